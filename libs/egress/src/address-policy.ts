// Which addresses outbound requests may connect to. Everything that is not a public
// unicast address is refused (private, loopback, link-local, cloud metadata, CGNAT,
// unspecified, multicast, unique-local, reserved), including IPv4 addresses hidden in
// IPv6 forms (IPv4-mapped, IPv4-translated, NAT64, 6to4). An operator allowlist turns
// chosen ranges back on (127.0.0.0/8 for local development and tests).
import { cidrContains, formatIp, parseCidr, parseIp, type Cidr, type IpAddress } from './ip-address';

export type BlockedCategory =
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'metadata'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'unique-local'
  | 'reserved'
  | 'not-an-ip';

export type AddressVerdict =
  | { allowed: true; address: string; viaAllowlist?: string }
  | { allowed: false; address: string; category: BlockedCategory; reason: string };

interface Range {
  cidr: Cidr;
  category: BlockedCategory;
  label: string;
}

const range = (text: string, category: BlockedCategory, label: string): Range => ({ cidr: parseCidr(text), category, label });

// More specific ranges first: the first match names the category.
const V4_BLOCKED: readonly Range[] = [
  range('169.254.169.254/32', 'metadata', 'the cloud metadata service'),
  range('0.0.0.0/8', 'unspecified', 'the unspecified "this network" range'),
  range('10.0.0.0/8', 'private', 'a private network'),
  range('100.64.0.0/10', 'cgnat', 'carrier-grade NAT space'),
  range('127.0.0.0/8', 'loopback', 'loopback'),
  range('169.254.0.0/16', 'link-local', 'link-local'),
  range('172.16.0.0/12', 'private', 'a private network'),
  range('192.0.0.0/24', 'reserved', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'reserved', 'documentation (TEST-NET-1)'),
  range('192.88.99.0/24', 'reserved', 'the 6to4 relay anycast range'),
  range('192.168.0.0/16', 'private', 'a private network'),
  range('198.18.0.0/15', 'reserved', 'benchmarking'),
  range('198.51.100.0/24', 'reserved', 'documentation (TEST-NET-2)'),
  range('203.0.113.0/24', 'reserved', 'documentation (TEST-NET-3)'),
  range('224.0.0.0/4', 'multicast', 'multicast'),
  range('240.0.0.0/4', 'reserved', 'reserved space and broadcast'),
];

const V6_BLOCKED: readonly Range[] = [
  range('::/128', 'unspecified', 'the unspecified address'),
  range('::1/128', 'loopback', 'loopback'),
  range('::/96', 'reserved', 'deprecated IPv4-compatible space'),
  range('64:ff9b:1::/48', 'reserved', 'local-use NAT64'),
  range('100::/64', 'reserved', 'the discard prefix'),
  range('2001::/32', 'reserved', 'Teredo tunnelling'),
  range('2001:10::/28', 'reserved', 'deprecated ORCHID space'),
  range('2001:db8::/32', 'reserved', 'documentation'),
  range('fc00::/7', 'unique-local', 'unique-local (private) space'),
  range('fe80::/10', 'link-local', 'link-local'),
  range('fec0::/10', 'reserved', 'deprecated site-local space'),
  range('ff00::/8', 'multicast', 'multicast'),
];

interface Embedding {
  cidr: Cidr;
  /** Byte offset of the embedded IPv4 address. */
  at: number;
  label: string;
}

const EMBEDDINGS: readonly Embedding[] = [
  { cidr: parseCidr('::ffff:0:0/96'), at: 12, label: 'IPv4-mapped' },
  { cidr: parseCidr('::ffff:0:0:0/96'), at: 12, label: 'IPv4-translated' },
  { cidr: parseCidr('64:ff9b::/96'), at: 12, label: 'NAT64' },
  { cidr: parseCidr('2002::/16'), at: 2, label: '6to4' },
];

/** The IPv4 address an IPv6 address stands for, if it is one of the embedding forms. */
export function embeddedIpv4(ip: IpAddress): { v4: IpAddress; form: string } | undefined {
  if (ip.family !== 6) return undefined;
  for (const e of EMBEDDINGS) {
    if (cidrContains(e.cidr, ip)) return { v4: { family: 4, bytes: ip.bytes.slice(e.at, e.at + 4) }, form: e.label };
  }
  return undefined;
}

export class AddressPolicy {
  readonly allowlist: readonly Cidr[];

  /** allowlist: CIDR ranges (strings or parsed) that are reachable even though they would be blocked. */
  constructor(allowlist: readonly (Cidr | string)[] = []) {
    this.allowlist = Object.freeze(allowlist.map((c) => (typeof c === 'string' ? parseCidr(c) : c)));
  }

  private allowedBy(ip: IpAddress): Cidr | undefined {
    return this.allowlist.find((c) => cidrContains(c, ip));
  }

  check(address: string): AddressVerdict {
    const ip = parseIp(address);
    if (!ip) return { allowed: false, address, category: 'not-an-ip', reason: `"${address}" is not an IP address` };
    const shown = formatIp(ip);
    const embedded = embeddedIpv4(ip);
    const allow = this.allowedBy(ip) ?? (embedded ? this.allowedBy(embedded.v4) : undefined);
    if (allow) return { allowed: true, address: shown, viaAllowlist: allow.text };
    const hit = classify(ip);
    if (hit) return { allowed: false, address: shown, category: hit.category, reason: `${shown} is ${hit.label}` };
    if (embedded) {
      const inner = classify(embedded.v4);
      if (inner) {
        const v4 = formatIp(embedded.v4);
        return { allowed: false, address: shown, category: inner.category, reason: `${shown} is the ${embedded.form} form of ${v4}, ${inner.label}` };
      }
    }
    return { allowed: true, address: shown };
  }
}

function classify(ip: IpAddress): Range | undefined {
  return (ip.family === 4 ? V4_BLOCKED : V6_BLOCKED).find((r) => cidrContains(r.cidr, ip));
}

/** Special-use names that must never reach the resolver (RFC 6761): they mean this machine. */
export function isLocalhostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.+$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === 'localhost.localdomain';
}

/** What a localhost name stands for, checked like any resolved address. */
export const LOCALHOST_ADDRESSES: readonly string[] = ['127.0.0.1', '::1'];
