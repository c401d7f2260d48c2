import { describe, it, expect } from 'vitest';
import { AddressPolicy } from '../../src/delivery/address-policy.js';
import { embeddedIPv4, formatIP, parseCidr, parseIP } from '../../src/delivery/ip-address.js';

const strict = new AddressPolicy({ allowPrivate: false });

/** What a URL parser makes of a host: the SSRF guard sees hosts as `new URL()` gives them. */
const urlHost = (host: string) => new URL(`http://${host}/`).hostname;

describe('parsing IP addresses in every spelling', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F000001', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['10.1', '10.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['0251.0376.0251.0376', '169.254.169.254'],
    ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
    ['2852039166', '169.254.169.254'],
    ['169.254.43518', '169.254.169.254'],
  ])('reads the IPv4 spelling %s as %s', (text, expected) => {
    const parsed = parseIP(text);
    expect(parsed?.family).toBe(4);
    expect(formatIP(parsed!)).toBe(expected);
  });

  it.each([
    ['::1', '0:0:0:0:0:0:0:1'],
    ['[::1]', '0:0:0:0:0:0:0:1'],
    ['0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['FE80::1%eth0', 'fe80:0:0:0:0:0:0:1'],
    ['fe80::1%25eth0', 'fe80:0:0:0:0:0:0:1'],
    ['::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1'],
    ['::FFFF:7F00:1', '0:0:0:0:0:ffff:7f00:1'],
    ['64:ff9b::10.0.0.1', '64:ff9b:0:0:0:0:a00:1'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['fd00:ec2::254', 'fd00:ec2:0:0:0:0:0:254'],
  ])('reads the IPv6 spelling %s as %s', (text, expected) => {
    const parsed = parseIP(text);
    expect(parsed?.family).toBe(6);
    expect(formatIP(parsed!)).toBe(expected);
  });

  it.each([
    'localhost',
    'example.com',
    '',
    '.',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.256.',
    '4294967296',
    '08.0.0.1',
    '0x1g.0.0.1',
    '1..2.3',
    '-1.0.0.0',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::',
    '::ffff:1.2.3',
    '::ffff:01.2.3.4',
    '12345::1',
    'g::1',
    `${'9'.repeat(40)}`,
  ])('does not take %j for an address', (text) => {
    expect(parseIP(text)).toBeUndefined();
  });

  it('parses as a URL parser does, so a host is judged by the address it names', () => {
    for (const host of ['2130706433', '0x7f.1', '0177.0.0.1', '127.1', '127.0.0.1.', '[::ffff:127.0.0.1]', '[0:0:0:0:0:ffff:7f00:1]']) {
      const viaUrl = parseIP(urlHost(host));
      const direct = parseIP(host);
      expect(viaUrl && formatIP(viaUrl), host).toBe(direct && formatIP(direct));
    }
  });

  it('finds the IPv4 address inside mapped, translated, compatible, NAT64, 6to4 and Teredo addresses', () => {
    const carried = (text: string) => embeddedIPv4(parseIP(text) as never).map(formatIP);
    expect(carried('::ffff:7f00:1')).toEqual(['127.0.0.1']);
    expect(carried('::ffff:0:7f00:1')).toEqual(['127.0.0.1']);
    expect(carried('::7f00:1')).toEqual(['127.0.0.1']);
    expect(carried('64:ff9b::a9fe:a9fe')).toEqual(['169.254.169.254']);
    expect(carried('2002:a00:1::1')).toEqual(['10.0.0.1']);
    // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted (0x80ff:fffe).
    expect(carried('2001:0:4136:e378:8000:63bf:80ff:fffe')).toEqual(['65.54.227.120', '127.0.0.1']);
    expect(carried('2606:4700::1111')).toEqual([]);
  });

  it('reads CIDRs with a prefix in range, and nothing else', () => {
    expect(parseCidr('10.1.0.0/16')).toMatchObject({ prefix: 16 });
    expect(parseCidr('fd12:3456::/32')).toMatchObject({ prefix: 32 });
    for (const bad of ['10.1.0.0', '10.1.0.0/33', '10.1.0.0/-1', '10.1.0.0/1a', '10.1/16', 'fd12::/129', 'host/8', '/8', '10.0.0.0/08']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });
});

describe('address policy (SSRF guard)', () => {
  it.each([
    ['127.0.0.1', 'IPv4 loopback'],
    ['127.255.255.254', 'IPv4 loopback range'],
    ['2130706433', 'loopback, decimal'],
    ['0x7f000001', 'loopback, hex'],
    ['0177.0.0.1', 'loopback, octal'],
    ['127.1', 'loopback, short form'],
    ['127.0.0.1.', 'loopback, trailing dot'],
    ['10.0.0.1', 'RFC 1918 10/8'],
    ['10.255.255.255', 'RFC 1918 10/8 top'],
    ['172.16.0.1', 'RFC 1918 172.16/12'],
    ['172.31.255.255', 'RFC 1918 172.16/12 top'],
    ['192.168.1.1', 'RFC 1918 192.168/16'],
    ['169.254.169.254', 'cloud metadata (link-local)'],
    ['0251.0376.0251.0376', 'cloud metadata, octal'],
    ['2852039166', 'cloud metadata, decimal'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['100.127.255.255', 'CGNAT 100.64/10 top'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast (SSDP)'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified, short form'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['[::1]', 'IPv6 loopback in brackets'],
    ['0:0:0:0:0:0:0:1', 'IPv6 loopback, uncompressed'],
    ['fe80::1', 'IPv6 link-local'],
    ['FE80::1%eth0', 'IPv6 link-local, upper case with a zone'],
    ['fc00::1', 'IPv6 unique local fc00::/7'],
    ['fd12:3456:789a::1', 'IPv6 unique local fd..'],
    ['fd00:ec2::254', 'AWS IPv6 metadata'],
    ['ff02::1', 'IPv6 multicast'],
    ['fec0::1', 'IPv6 site-local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback (dotted)'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback (hex)'],
    ['::FFFF:7F00:1', 'IPv4-mapped loopback (upper-case hex)'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata (hex)'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata (dotted)'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['0:0:0:0:0:ffff:7f00:1', 'IPv4-mapped loopback (uncompressed)'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::7f00:1', 'IPv4-compatible loopback (hex)'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated loopback (dotted)'],
    ['::ffff:0:7f00:1', 'IPv4-translated loopback (hex)'],
    ['64:ff9b::127.0.0.1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['2002:a9fe:a9fe::1', '6to4 of metadata'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo with a loopback client'],
    ['2001:db8::1', 'IPv6 documentation'],
  ])('refuses %s (%s)', (address) => {
    expect(strict.allows(address)).toBe(false);
    expect(strict.refusal(address)?.reason).toMatch(/\w/);
  });

  it.each([
    ['93.184.216.34', 'public IPv4'],
    ['8.8.8.8', 'public IPv4'],
    ['134744072', 'public IPv4, decimal'],
    ['172.32.0.1', 'just outside 172.16/12'],
    ['100.128.0.1', 'just outside CGNAT'],
    ['2606:4700::1111', 'public IPv6'],
    ['::ffff:93.184.216.34', 'IPv4-mapped public address'],
    ['64:ff9b::808:808', 'NAT64 of a public address'],
    ['2002:808:808::1', '6to4 of a public address'],
  ])('accepts %s (%s)', (address) => {
    expect(strict.allows(address)).toBe(true);
  });

  it('says which range refused an address, and what an IPv6 address carried', () => {
    expect(strict.refusal('10.0.0.1')?.reason).toBe('private, 10.0.0.0/8');
    expect(strict.refusal('169.254.169.254')?.reason).toBe('cloud metadata');
    expect(strict.refusal('fd00:ec2::254')?.reason).toBe('cloud metadata');
    expect(strict.refusal('::ffff:7f00:1')?.reason).toBe('loopback, 127.0.0.0/8 (carries 127.0.0.1)');
  });

  it('refuses anything that is not a literal IP address', () => {
    expect(strict.allows('localhost')).toBe(false);
    expect(strict.allows('example.com')).toBe(false);
    expect(strict.allows('')).toBe(false);
    expect(new AddressPolicy({ allowPrivate: true }).allows('localhost')).toBe(false);
  });

  it('allows every address when private targets are allowed', () => {
    const open = new AddressPolicy({ allowPrivate: true });
    for (const address of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '::1', 'fd00:ec2::254', '::ffff:7f00:1', '93.184.216.34']) {
      expect(open.allows(address)).toBe(true);
    }
  });

  it('allows a listed private range, and only that range', () => {
    const policy = new AddressPolicy({ allowPrivate: false, allowCidrs: ['10.1.0.0/16'] });
    expect(policy.allows('10.1.2.3')).toBe(true);
    expect(policy.allows('::ffff:10.1.2.3')).toBe(true);
    expect(policy.allows('10.1.515')).toBe(true);
    expect(policy.allows('10.2.0.1')).toBe(false);
    expect(policy.allows('192.168.1.1')).toBe(false);
    expect(policy.allows('127.0.0.1')).toBe(false);
    expect(policy.allows('169.254.169.254')).toBe(false);
    expect(policy.allows('93.184.216.34')).toBe(true);
  });

  it('allows a listed private IPv6 range, and only that range', () => {
    const policy = new AddressPolicy({ allowPrivate: false, allowCidrs: ['fd12:3456::/32'] });
    expect(policy.allows('fd12:3456::1')).toBe(true);
    expect(policy.allows('FD12:3456:FFFF::1')).toBe(true);
    expect(policy.allows('fd12:3457::1')).toBe(false);
    expect(policy.allows('::1')).toBe(false);
  });

  it('refuses to be built from a malformed CIDR', () => {
    expect(() => new AddressPolicy({ allowPrivate: false, allowCidrs: ['10.1.0.0/40'] })).toThrow(/not a CIDR/);
  });
});
