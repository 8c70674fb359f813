// Which addresses outbound requests may connect to. Everything that is not a public
// unicast address is refused (private, loopback, link-local, cloud metadata, CGNAT,
// unspecified, multicast, unique-local, reserved), including IPv4 addresses hidden in
// IPv6 forms (IPv4-mapped, IPv4-translated, NAT64, 6to4). An operator allowlist turns
// chosen ranges back on (127.0.0.0/8 for local development and tests).
import { isIPv4, isIPv6 } from 'node:net';
import { IPv4, IPv6 } from 'ipaddr.js';

// Addresses and ranges are ipaddr.js's; the few lines below only decide which strings
// reach it. These strings come from the resolver, from the URL parser (which has already
// turned 2130706433, 0x7f.1 or 0177.0.0.1 into 127.0.0.1) or from the operator's
// allowlist, so parsing is strict, and stricter than ipaddr.js on its own:
// - it reads the legacy IPv4 forms (2130706433, 0x7f.1, 127.1, 0177.0.0.1) as
//   addresses; a raw string in such a form is not an address here, so only what
//   node:net's isIPv4/isIPv6 accept (dotted-quad decimal, standard IPv6) goes on;
// - it reads the deprecated IPv4-compatible form ::a.b.c.d as the IPv4-mapped
//   ::ffff:a.b.c.d; RFC 4291 says it is ::a.b:c.d, a different (reserved) address, so a
//   trailing dotted quad is written as its two hex groups before ipaddr.js sees it;
// - brackets ([::1], as URL hostnames carry them) and an IPv6 zone id are dropped.

export type IpAddress = IPv4 | IPv6;

export interface Cidr {
  address: IpAddress;
  prefix: number;
  /** As written by the operator, for messages. */
  text: string;
}

/** Parses an IPv4 or IPv6 address (brackets and an IPv6 zone id are dropped); undefined if it is not one. */
export function parseIp(input: string): IpAddress | undefined {
  let s = input.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIPv4(s)) return IPv4.parse(s);
  if (!isIPv6(s)) return undefined;
  const quad = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(2).map(Number);
    s = `${quad[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  return IPv6.parse(s);
}

/** The canonical text of an address (RFC 5952 for IPv6). */
export function formatIp(ip: IpAddress): string {
  return ip.kind() === 'ipv4' ? ip.toString() : (ip as IPv6).toRFC5952String();
}

/** Parses "10.0.0.0/8", "::1/128" or a bare address (a single-address range). */
export function parseCidr(input: string): Cidr {
  const text = input.trim();
  const slash = text.indexOf('/');
  const address = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!address) throw new Error(`"${text}" is not an IP address or CIDR range`);
  const max = address.kind() === 'ipv4' ? 32 : 128;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : String(max);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) throw new Error(`"${text}": the prefix length must be 0 to ${max}`);
  return { address, prefix: Number(prefixText), text };
}

/** Parses a comma- or space-separated list of CIDR ranges. */
export function parseCidrList(input: string): Cidr[] {
  return input
    .split(/[\s,]+/)
    .filter((p) => p !== '')
    .map(parseCidr);
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  // ipaddr.js throws when the families differ; an IPv4 range never holds an IPv6 address.
  return cidr.address.kind() === ip.kind() && ip.match(cidr.address, cidr.prefix);
}

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
  range('2001:2::/48', 'reserved', 'benchmarking'),
  range('2001:10::/28', 'reserved', 'deprecated ORCHID space'),
  range('2001:20::/28', 'reserved', 'ORCHIDv2 (not routable)'),
  range('2001:db8::/32', 'reserved', 'documentation'),
  range('3fff::/20', 'reserved', 'documentation'),
  range('5f00::/16', 'reserved', 'SRv6 segment identifiers (not routable)'),
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
  if (ip.kind() !== 'ipv6') return undefined;
  for (const e of EMBEDDINGS) {
    if (cidrContains(e.cidr, ip)) return { v4: new IPv4(ip.toByteArray().slice(e.at, e.at + 4)), form: e.label };
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
  return (ip.kind() === 'ipv4' ? V4_BLOCKED : V6_BLOCKED).find((r) => cidrContains(r.cidr, ip));
}

/** Special-use names that must never reach the resolver (RFC 6761): they mean this machine. */
export function isLocalhostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.+$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === 'localhost.localdomain';
}

/** What a localhost name stands for, checked like any resolved address. */
export const LOCALHOST_ADDRESSES: readonly string[] = ['127.0.0.1', '::1'];
