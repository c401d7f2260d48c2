import { BlockList, isIP } from 'node:net';

/**
 * Ranges a webhook may never reach unless private targets are allowed: loopback, private,
 * link-local, CGNAT, multicast, reserved and cloud metadata addresses (IPv4 and IPv6).
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['fd00:ec2::254', 128],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

const fromHexPair = (hiHex: string, loHex: string) => {
  const hi = parseInt(hiHex, 16);
  const lo = parseInt(loHex, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
};

/**
 * The IPv4 address carried inside an IPv6 address, if any: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`)
 * and 6to4 (`2002:AABB:CCDD::/48`), in dotted or hex spelling.
 */
function embeddedIPv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const prefix = '(?:::ffff:|::ffff:0:|::|64:ff9b::)';
  const dotted = new RegExp(`^${prefix}(\\d+\\.\\d+\\.\\d+\\.\\d+)$`).exec(lower);
  if (dotted?.[1]) return dotted[1];
  const hex = new RegExp(`^${prefix}([0-9a-f]{1,4}):([0-9a-f]{1,4})$`).exec(lower);
  if (hex?.[1] && hex[2]) return fromHexPair(hex[1], hex[2]);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(?::|$)/.exec(lower);
  if (sixToFour?.[1] && sixToFour[2]) return fromHexPair(sixToFour[1], sixToFour[2]);
  return undefined;
}

export interface AddressPolicy {
  allowPrivate: boolean;
  /** CIDRs that are allowed even though they are private, e.g. `10.1.0.0/16`. */
  allowCidrs?: readonly string[];
}

/** True when `address` (a literal IP) is a public unicast address or explicitly allowed. */
export function isAddressAllowed(address: string, policy: AddressPolicy): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (policy.allowPrivate) return true;
  const allow = new BlockList();
  for (const cidr of policy.allowCidrs ?? []) {
    const [net, bits] = cidr.split('/');
    if (net && bits) allow.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  }
  const v4 = family === 6 ? embeddedIPv4(address) : address;
  if (v4 && isIP(v4) === 4) {
    if (allow.check(v4, 'ipv4')) return true;
    return !blocked.check(v4, 'ipv4');
  }
  if (allow.check(address, 'ipv6')) return true;
  return !blocked.check(address, 'ipv6');
}
