import { BlockList } from 'node:net';
import { embeddedIPv4, formatIP, parseCidr, parseIP, type Cidr, type IPAddress } from './ip-address.js';

/**
 * Ranges a webhook may never reach unless private targets are allowed: loopback, private,
 * link-local, CGNAT, multicast, reserved, documentation and cloud metadata addresses.
 */
const REFUSED_RANGES: readonly (readonly [cidr: string, what: string])[] = [
  ['0.0.0.0/8', 'this network'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

const family = (a: IPAddress) => (a.family === 4 ? 'ipv4' : 'ipv6');

/** A BlockList of the given ranges, each remembered with its label for messages. */
class Ranges {
  private readonly list = new BlockList();
  private readonly labelled: { list: BlockList; label: string }[] = [];

  constructor(ranges: readonly { cidr: Cidr; label: string }[]) {
    for (const { cidr, label } of ranges) {
      this.list.addSubnet(formatIP(cidr.address), cidr.prefix, family(cidr.address));
      const one = new BlockList();
      one.addSubnet(formatIP(cidr.address), cidr.prefix, family(cidr.address));
      this.labelled.push({ list: one, label });
    }
  }

  has(address: IPAddress): boolean {
    return this.list.check(formatIP(address), family(address));
  }

  /** The label of the first range holding the address (only looked up to explain a refusal). */
  labelOf(address: IPAddress): string | undefined {
    const text = formatIP(address);
    return this.labelled.find((r) => r.list.check(text, family(address)))?.label;
  }
}

function cidrOrThrow(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`not a CIDR: ${text}`);
  return cidr;
}

const refused = new Ranges(REFUSED_RANGES.map(([text, label]) => ({ cidr: cidrOrThrow(text), label: `${label}, ${text}` })));
/** The AWS metadata address over IPv6 lies in fc00::/7 already; named so the refusal says what it is. */
const METADATA = new Map([
  ['169.254.169.254', 'cloud metadata'],
  ['fd00:ec2:0:0:0:0:0:254', 'cloud metadata'],
]);

/** Why an address may not be reached, for the attempt's error and the 422 message. */
export interface RefusedAddress {
  /** The address as given. */
  address: string;
  /** The range it falls in, e.g. `private, 10.0.0.0/8`; `not an IP address` for a name. */
  reason: string;
}

export interface AddressPolicyOptions {
  /** Every address is allowed (development and tests: receivers run on loopback). */
  allowPrivate: boolean;
  /** Ranges allowed even though they are refused by default, e.g. `10.1.0.0/16` (HOOKLINE_ALLOWED_TARGET_CIDRS). */
  allowCidrs?: readonly string[];
}

/**
 * Which addresses a webhook may reach (SPEC §7). Built once from configuration: the allowlist's
 * CIDRs are parsed here, and a malformed one throws. An IPv6 address that carries an IPv4 address
 * (mapped, compatible, NAT64, 6to4, Teredo) is judged by both, so no spelling of a refused IPv4
 * address gets through.
 */
export class AddressPolicy {
  readonly allowPrivate: boolean;
  private readonly allowed: Ranges;

  constructor(options: AddressPolicyOptions) {
    this.allowPrivate = options.allowPrivate;
    this.allowed = new Ranges((options.allowCidrs ?? []).map((text) => ({ cidr: cidrOrThrow(text), label: text })));
  }

  /** Why `address` (an IP literal in any spelling) is refused, or undefined when it may be reached. */
  refusal(address: string): RefusedAddress | undefined {
    const parsed = parseIP(address);
    if (!parsed) return { address, reason: 'not an IP address' };
    if (this.allowPrivate) return undefined;
    // The carried IPv4 addresses come first, so a refusal names the address really reached.
    const forms = parsed.family === 6 ? [...embeddedIPv4(parsed), parsed] : [parsed];
    if (forms.some((form) => this.allowed.has(form))) return undefined;
    for (const form of forms) {
      if (!refused.has(form)) continue;
      const what = METADATA.get(formatIP(form)) ?? refused.labelOf(form)!;
      const via = form === parsed ? '' : ` (carries ${formatIP(form)})`;
      return { address, reason: `${what}${via}` };
    }
    return undefined;
  }

  /** True when `address` is a public unicast address, an allowed one, or private targets are allowed. */
  allows(address: string): boolean {
    return this.refusal(address) === undefined;
  }
}

/** True for a CIDR that `HOOKLINE_ALLOWED_TARGET_CIDRS` accepts. */
export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}
