import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressPolicy, cidrContains, formatIp, isLocalhostName, parseCidr, parseCidrList, parseIp, type BlockedCategory } from './address-policy';

const closed = new AddressPolicy();

describe('AddressPolicy: blocked by default', () => {
  const table: [string, BlockedCategory, RegExp?][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata', /cloud metadata/],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.100.100.200', 'cgnat'], // Alibaba's metadata address lives here
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fd00:ec2::254', 'unique-local'], // AWS's IPv6 metadata address
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // Teredo
    // The rest of IANA's IPv6 special-purpose registry that is not globally reachable.
    ['2001:2::1', 'reserved', /benchmarking/],
    ['2001:20::1', 'reserved', /ORCHIDv2/],
    ['3fff::1', 'reserved', /documentation/], // RFC 9637, beside 2001:db8::/32
    ['3fff:fff:ffff::1', 'reserved', /documentation/],
    ['5f00::1', 'reserved', /SRv6/],
    // IPv4 hidden in IPv6: every form is unwrapped and checked as the IPv4 address.
    ['::ffff:127.0.0.1', 'loopback', /IPv4-mapped form of 127\.0\.0\.1/],
    ['::ffff:7f00:1', 'loopback', /IPv4-mapped/],
    ['::ffff:169.254.169.254', 'metadata', /IPv4-mapped form of 169\.254\.169\.254, the cloud metadata service/],
    ['[::ffff:a9fe:a9fe]', 'metadata'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:0:127.0.0.1', 'loopback', /IPv4-translated/],
    ['64:ff9b::127.0.0.1', 'loopback', /NAT64/],
    ['64:ff9b::a9fe:a9fe', 'metadata', /NAT64/],
    ['64:ff9b:1::1', 'reserved'],
    ['2002:7f00:1::1', 'loopback', /6to4 form of 127\.0\.0\.1/],
    ['2002:a9fe:a9fe::', 'metadata', /6to4/],
    ['::127.0.0.1', 'reserved'], // deprecated IPv4-compatible form
    ['not-an-ip', 'not-an-ip'],
    ['2130706433', 'not-an-ip'], // the URL parser normalises this; a raw string is not an address
    ['1.2.3.4.5', 'not-an-ip'],
    // ipaddr.js alone reads these legacy forms as 127.0.0.1; only the URL parser may normalise them.
    ['0x7f.1', 'not-an-ip'],
    ['127.1', 'not-an-ip'],
    ['0177.0.0.1', 'not-an-ip'],
    ['127.0.0.01', 'not-an-ip'],
    ['::ffff:0177.0.0.1', 'not-an-ip'],
    ['::ffff:2130706433', 'not-an-ip'],
  ];
  for (const [address, category, reason] of table) {
    it(`${address} -> ${category}`, () => {
      const v = closed.check(address);
      assert.equal(v.allowed, false, JSON.stringify(v));
      if (!v.allowed) {
        assert.equal(v.category, category);
        if (reason) assert.match(v.reason, reason);
      }
    });
  }
});

describe('AddressPolicy: public addresses pass', () => {
  for (const address of ['8.8.8.8', '1.1.1.1', '93.184.215.14', '172.32.0.1', '100.128.0.1', '169.253.255.255', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '2001:3::1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1']) {
    it(address, () => assert.equal(closed.check(address).allowed, true));
  }
});

describe('AddressPolicy: the operator allowlist', () => {
  const dev = new AddressPolicy(['127.0.0.0/8', '::1/128', '10.1.0.0/16']);
  const table: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true], // the same address in its mapped form
    ['10.1.200.3', true],
    ['10.2.0.1', false],
    ['169.254.169.254', false],
    ['192.168.0.1', false],
    ['0.0.0.0', false],
  ];
  for (const [address, allowed] of table) it(`${address} -> ${allowed ? 'allowed' : 'blocked'}`, () => assert.equal(dev.check(address).allowed, allowed));
  it('names the allowlist entry that let an address through', () => assert.deepEqual(dev.check('127.0.0.1'), { allowed: true, address: '127.0.0.1', viaAllowlist: '127.0.0.0/8' }));
  it('refuses a malformed entry', () => assert.throws(() => new AddressPolicy(['127.0.0.0/33'])));
});

describe('localhost names', () => {
  for (const n of ['localhost', 'localhost.', 'LOCALHOST', 'a.localhost', 'x.y.localhost.', 'localhost.localdomain']) it(`${n} is this machine`, () => assert.equal(isLocalhostName(n), true));
  for (const n of ['localhost.example.com', 'mylocalhost', 'example.com']) it(`${n} is not`, () => assert.equal(isLocalhostName(n), false));
});

function ip(s: string) {
  const parsed = parseIp(s);
  assert.ok(parsed, `${s} should parse`);
  return parsed;
}

describe('addresses and ranges', () => {
  const forms: [string, string][] = [
    ['::ffff:169.254.169.254', '::ffff:a9fe:a9fe'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['fe80::1%lo0', 'fe80::1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['::', '::'],
    ['10.0.0.1', '10.0.0.1'],
    // RFC 4291's IPv4-compatible form, not the IPv4-mapped one ipaddr.js alone would make of it.
    ['::127.0.0.1', '::7f00:1'],
    ['[::ffff:7f00:1]', '::ffff:7f00:1'],
  ];
  for (const [input, shown] of forms) it(`formats ${input} as ${shown}`, () => assert.equal(formatIp(ip(input)), shown));
  it('CIDR containment honours partial bytes', () => {
    assert.equal(cidrContains(parseCidr('100.64.0.0/10'), ip('100.127.0.1')), true);
    assert.equal(cidrContains(parseCidr('100.64.0.0/10'), ip('100.128.0.1')), false);
    assert.equal(cidrContains(parseCidr('0.0.0.0/0'), ip('1.2.3.4')), true);
    assert.equal(cidrContains(parseCidr('0.0.0.0/0'), ip('::1')), false);
  });
  it('parses a list', () => assert.deepEqual(parseCidrList(' 127.0.0.0/8, ::1/128 ').map((c) => c.text), ['127.0.0.0/8', '::1/128']));
  for (const bad of ['x/8', '10.0.0.0/', '10.0.0.0/-1', '::1/129', '2130706433/8', '127.1/8']) it(`refuses ${bad}`, () => assert.throws(() => parseCidr(bad)));
});
