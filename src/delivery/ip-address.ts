/**
 * IP addresses in every spelling a URL host or a resolver may carry, parsed to bytes. Pure: no
 * DNS, no sockets. The SSRF guard (address-policy.ts) judges what this parses.
 */

export interface IPv4 {
  family: 4;
  bytes: Uint8Array;
}

export interface IPv6 {
  family: 6;
  bytes: Uint8Array;
}

export type IPAddress = IPv4 | IPv6;

/** One part of a WHATWG/inet_aton IPv4 host: `0x` hex, a leading `0` octal, else decimal. */
function ipv4Part(part: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part, 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return undefined;
}

/**
 * Parses IPv4 as URL hosts and `inet_aton` take it: dotted, decimal (`2130706433`), octal
 * (`0177.0.0.1`), hex (`0x7f.1`), short forms (`127.1`, `10.1.1`) and one trailing dot.
 */
export function parseIPv4(text: string): IPv4 | undefined {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length < 1 || parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    // Bound the length so a huge digit string is refused without BigInt arithmetic.
    if (part.length === 0 || part.length > 34) return undefined;
    const n = ipv4Part(part);
    if (n === undefined || !Number.isFinite(n)) return undefined;
    numbers.push(n);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255)) return undefined;
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  let value = last;
  numbers.forEach((n, i) => (value += n * 256 ** (3 - i)));
  const bytes = new Uint8Array(4);
  for (let i = 3; i >= 0; i--) {
    bytes[i] = value % 256;
    value = Math.floor(value / 256);
  }
  return { family: 4, bytes };
}

/** Strict dotted-quad IPv4 (decimal, no leading zeros), as it may end an IPv6 address. */
function dottedQuad(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) return undefined;
  return Uint8Array.from(parts.map(Number));
}

/**
 * Parses IPv6 in any case, compressed or not, with an embedded dotted IPv4 tail, with or without
 * brackets, and with a zone id (`fe80::1%eth0`, also URL-encoded as `%25eth0`), which is dropped.
 */
export function parseIPv6(text: string): IPv6 | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length === 0 || s.length > 45 || !s.includes(':')) return undefined;
  s = s.toLowerCase();

  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = dottedQuad(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }

  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...Array<string>(8 - total).fill('0'), ...rest];
  const bytes = new Uint8Array(16);
  for (const [i, group] of all.entries()) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 255;
  }
  if (tail) bytes.set(tail, 12);
  return { family: 6, bytes };
}

/** Parses an address of either family in any of the spellings above, or undefined for a name. */
export function parseIP(text: string): IPAddress | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** The canonical text of an address: dotted IPv4, or eight lower-case hex groups. */
export function formatIP(address: IPAddress): string {
  if (address.family === 4) return Array.from(address.bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address.bytes[i]! << 8) | address.bytes[i + 1]!).toString(16));
  return groups.join(':');
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((b, i) => bytes[i] === b);
const ipv4At = (bytes: Uint8Array, offset: number, mask = 0): IPv4 => ({
  family: 4,
  bytes: bytes.slice(offset, offset + 4).map((b) => b ^ mask),
});

/**
 * The IPv4 addresses an IPv6 address carries and may reach: IPv4-mapped (`::ffff:0:0/96`),
 * IPv4-translated (`::ffff:0:0:0/96`), IPv4-compatible (`::/96`), NAT64 (`64:ff9b::/96`), 6to4
 * (`2002::/16`, the gateway) and Teredo (`2001::/32`, the server and the obfuscated client).
 */
export function embeddedIPv4(address: IPv6): IPv4[] {
  const b = address.bytes;
  const zeros = (n: number) => Array<number>(n).fill(0);
  if (startsWith(b, [...zeros(10), 0xff, 0xff])) return [ipv4At(b, 12)];
  if (startsWith(b, [...zeros(8), 0xff, 0xff, 0, 0])) return [ipv4At(b, 12)];
  if (startsWith(b, zeros(12))) return [ipv4At(b, 12)];
  if (startsWith(b, [0, 0x64, 0xff, 0x9b, ...zeros(8)])) return [ipv4At(b, 12)];
  if (startsWith(b, [0x20, 0x02])) return [ipv4At(b, 2)];
  if (startsWith(b, [0x20, 0x01, 0, 0])) return [ipv4At(b, 4), ipv4At(b, 12, 0xff)];
  return [];
}

/** A network in CIDR notation, parsed: `10.1.0.0/16`, `fd12:3456::/32`. */
export interface Cidr {
  address: IPAddress;
  prefix: number;
  /** The text as it was given, for messages. */
  text: string;
}

/** Parses `<address>/<prefix>` (the prefix is required), or undefined when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const address = text.includes(':') ? parseIPv6(text.slice(0, slash)) : parseStrictIPv4(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (!address || !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > (address.family === 4 ? 32 : 128)) return undefined;
  return { address, prefix, text };
}

function parseStrictIPv4(text: string): IPv4 | undefined {
  const bytes = dottedQuad(text);
  return bytes ? { family: 4, bytes } : undefined;
}
