// Types of nats-debian.mjs, for the bench and the unit tests that import it from TypeScript.
export type Version = [number, number, number];
export declare const MIN_NATS: Version;
export declare function parseNatsVersion(text: string | undefined): Version | undefined;
export declare function compareVersions(a: Version, b: Version): number;
export declare function versionAtLeast(v: Version, min: Version): boolean;
export declare function signedHash(release: string, path: string): { sha256: string; size: number } | undefined;
export declare function packageStanza(index: string, name: string): Record<string, string> | undefined;
export declare function onPath(name: string, extra?: string[], path?: string): string | undefined;
export declare function cacheDir(env?: NodeJS.ProcessEnv, home?: string): string;
export declare function ensureNewNatsServer(opts?: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; warn?: (line: string) => void; keyring?: string }): Promise<void>;
