import { describe, it, expect } from 'vitest';
import { isAddressAllowed } from '../../src/delivery/address-policy.js';

const strict = { allowPrivate: false };

describe('address policy (SSRF guard)', () => {
  it.each([
    ['127.0.0.1', 'IPv4 loopback'],
    ['127.255.255.254', 'IPv4 loopback range'],
    ['10.0.0.1', 'RFC 1918 10/8'],
    ['10.255.255.255', 'RFC 1918 10/8 top'],
    ['172.16.0.1', 'RFC 1918 172.16/12'],
    ['172.31.255.255', 'RFC 1918 172.16/12 top'],
    ['192.168.1.1', 'RFC 1918 192.168/16'],
    ['169.254.169.254', 'cloud metadata (link-local)'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['100.127.255.255', 'CGNAT 100.64/10 top'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast (SSDP)'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'IPv6 unique local fc00::/7'],
    ['fd12:3456:789a::1', 'IPv6 unique local fd..'],
    ['fd00:ec2::254', 'AWS IPv6 metadata'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback (dotted)'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback (hex)'],
    ['::FFFF:7F00:1', 'IPv4-mapped loopback (upper-case hex)'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata (hex)'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata (dotted)'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['0:0:0:0:0:ffff:7f00:1', 'IPv4-mapped loopback (uncompressed)'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated loopback (dotted)'],
  ])('refuses %s (%s)', (address) => {
    expect(isAddressAllowed(address, strict)).toBe(false);
  });

  // The module handles `::ffff:0:a.b.c.d` (dotted) but its hex pattern lacks the `::ffff:0:` prefix,
  // so the hex spelling of the same IPv4-translated loopback address slips through.
  it('refuses the hex spelling of an IPv4-translated loopback address (::ffff:0:7f00:1)', () => {
    expect(isAddressAllowed('::ffff:0:7f00:1', strict)).toBe(false);
  });

  it.each([
    ['93.184.216.34', 'public IPv4'],
    ['8.8.8.8', 'public IPv4'],
    ['172.32.0.1', 'just outside 172.16/12'],
    ['100.128.0.1', 'just outside CGNAT'],
    ['2606:4700::1111', 'public IPv6'],
    ['::ffff:93.184.216.34', 'IPv4-mapped public address'],
  ])('accepts %s (%s)', (address) => {
    expect(isAddressAllowed(address, strict)).toBe(true);
  });

  it('refuses anything that is not a literal IP address', () => {
    expect(isAddressAllowed('localhost', strict)).toBe(false);
    expect(isAddressAllowed('example.com', strict)).toBe(false);
    expect(isAddressAllowed('', strict)).toBe(false);
    expect(isAddressAllowed('localhost', { allowPrivate: true })).toBe(false);
  });

  it('allows every address when private targets are allowed', () => {
    const open = { allowPrivate: true };
    for (const address of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '::1', 'fd00:ec2::254', '::ffff:7f00:1', '93.184.216.34']) {
      expect(isAddressAllowed(address, open)).toBe(true);
    }
  });

  it('allows a listed private range, and only that range', () => {
    const policy = { allowPrivate: false, allowCidrs: ['10.1.0.0/16'] };
    expect(isAddressAllowed('10.1.2.3', policy)).toBe(true);
    expect(isAddressAllowed('::ffff:10.1.2.3', policy)).toBe(true);
    expect(isAddressAllowed('10.2.0.1', policy)).toBe(false);
    expect(isAddressAllowed('192.168.1.1', policy)).toBe(false);
    expect(isAddressAllowed('127.0.0.1', policy)).toBe(false);
    expect(isAddressAllowed('169.254.169.254', policy)).toBe(false);
    expect(isAddressAllowed('93.184.216.34', policy)).toBe(true);
  });

  it('allows a listed private IPv6 range, and only that range', () => {
    const policy = { allowPrivate: false, allowCidrs: ['fd12:3456::/32'] };
    expect(isAddressAllowed('fd12:3456::1', policy)).toBe(true);
    expect(isAddressAllowed('fd12:3457::1', policy)).toBe(false);
    expect(isAddressAllowed('::1', policy)).toBe(false);
  });
});
