// Test helper: loads an ESM-only package (e.g. @octokit/webhooks-methods) from these
// CommonJS-compiled tests. The compiler would turn a plain import() into require(),
// which such packages refuse; a Function body is left alone.
export const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
