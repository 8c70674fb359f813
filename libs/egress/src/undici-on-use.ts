// undici, loaded when the first outbound request is made rather than when a service starts,
// and only the two parts egress uses: its Agent (the pools; requests go through dispatch()
// with our own handler, see egress-client.ts) and buildConnector (guarded-connector.ts).
// The dispatcher sends from its first second; the registry (receiver checks, integration
// calls, token requests) may not send anything for hours.
//
// Why not require('undici'): its index loads 110 of its modules (fetch, WebSocket,
// EventSource, the cache and mock agents, every interceptor) where these two need 23. With
// bench/probes/undici-parts.ts (loads one or the other, then sends 6,400 requests through
// an Agent to a loopback server; 5 December, Node 20.20), V8's heap held 5.3-5.9 MB more
// after it with the index and 2.6-3.0 MB more with the two parts, in every run; the
// C library's heap moved the same way in both (see SERVICE_ENV in libs/local-stack).
//
// undici has no "exports" map, so these paths resolve; they are its own files, not a
// documented entry point, and undici-on-use.spec.ts checks that each is the very object
// undici's index exports, so an upgrade that moves one fails that test.
import type * as Undici from 'undici';

/** The parts of undici egress uses. */
export type EgressUndici = Pick<typeof Undici, 'Agent' | 'buildConnector'>;

/** Where each part lives in undici's package (the index requires the same files). */
export const UNDICI_PARTS: Readonly<Record<keyof EgressUndici, string>> = {
  Agent: 'undici/lib/dispatcher/agent',
  buildConnector: 'undici/lib/core/connect',
};

let loaded: EgressUndici | undefined;

export function undici(): EgressUndici {
  loaded ??= {
    Agent: require(UNDICI_PARTS.Agent) as EgressUndici['Agent'],
    buildConnector: require(UNDICI_PARTS.buildConnector) as EgressUndici['buildConnector'],
  };
  return loaded;
}
