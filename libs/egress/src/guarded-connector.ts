// The SSRF check at connect time. undici's connector is given a lookup function that
// resolves the hostname and refuses if ANY resolved address is blocked, so the
// addresses checked are the very ones the socket connects to; re-resolving for each
// new connection with the check in between defeats DNS rebinding. IP literals never
// reach a lookup, so they are checked before connecting, and the connected socket's
// peer address is checked once more as a last line.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { AddressPolicy, isLocalhostName, LOCALHOST_ADDRESSES } from './address-policy';
import { SsrfBlockedError } from './egress-errors';
import { undici } from './undici-on-use';

/** Resolves a hostname to every address it has (the system resolver unless a test swaps it). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, order: 'verbatim' }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/** Resolves and checks; the addresses returned are all allowed. */
export async function resolveChecked(policy: AddressPolicy, resolver: Resolver, hostname: string): Promise<LookupAddress[]> {
  const addresses: LookupAddress[] = isLocalhostName(hostname)
    ? LOCALHOST_ADDRESSES.map((address) => ({ address, family: isIP(address) }))
    : await resolver(hostname);
  if (addresses.length === 0) throw Object.assign(new Error(`could not resolve ${hostname}`), { code: 'ENOTFOUND', hostname });
  for (const a of addresses) {
    const v = policy.check(a.address);
    if (!v.allowed) throw new SsrfBlockedError(hostname, v.category, `${hostname} resolves to ${v.reason}`);
  }
  return addresses;
}

/** A net/tls `lookup` option that only ever hands out allowed addresses. */
export function guardedLookup(policy: AddressPolicy, resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(policy, resolver, hostname).then(
      (all) => {
        const family = typeof options === 'object' ? options.family : undefined;
        const wanted = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND', hostname }), '', 0);
          return;
        }
        // net asks for every address when it races connections (autoSelectFamily).
        if (typeof options === 'object' && options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export interface GuardedConnectorOptions {
  policy: AddressPolicy;
  resolver?: Resolver;
  connectTimeoutMs: number;
}

/** An undici connector that refuses blocked destinations before any packet is sent to them. */
export function guardedConnector(opts: GuardedConnectorOptions): buildConnector.connector {
  const resolver = opts.resolver ?? systemResolver;
  const base = undici().buildConnector({ timeout: opts.connectTimeoutMs, lookup: guardedLookup(opts.policy, resolver) } as buildConnector.BuildOptions);
  return (options, callback) => {
    const literal = isIP(options.hostname) !== 0;
    if (literal) {
      const v = opts.policy.check(options.hostname);
      if (!v.allowed) {
        queueMicrotask(() => callback(new SsrfBlockedError(options.hostname, v.category, v.reason), null));
        return;
      }
    }
    base(options, (...args) => {
      const [err, socket] = args;
      if (err || !socket) {
        callback(err ?? new Error('connect failed'), null);
        return;
      }
      const peer = (socket as Socket).remoteAddress;
      const v = peer ? opts.policy.check(peer) : undefined;
      if (!v?.allowed) {
        socket.destroy();
        const why = v && !v.allowed ? v.reason : 'the connected address is unknown';
        callback(new SsrfBlockedError(options.hostname, v && !v.allowed ? v.category : 'not-an-ip', `connected to ${why}`), null);
        return;
      }
      callback(null, socket);
    });
  };
}
