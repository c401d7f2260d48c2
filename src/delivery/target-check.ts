import { lookup } from 'node:dns/promises';
import type { AddressPolicy } from './address-policy.js';
import { parseIP } from './ip-address.js';

/** How long registering an endpoint waits on DNS before leaving the check to the first attempt. */
const LOOKUP_TIMEOUT_MS = 2000;

/**
 * Why `url` may not be registered under `policy`, or undefined when it may: a literal address
 * that is refused (private, link-local, CGNAT, multicast, metadata …), or a host whose every
 * address is refused. A host that does not resolve (yet) is accepted: every attempt checks its
 * addresses again, since DNS changes.
 */
export async function refusedTarget(url: string, policy: AddressPolicy): Promise<string | undefined> {
  if (policy.allowPrivate) return undefined;
  const parsed = URL.parse(url);
  if (!parsed) return undefined;
  const host = parsed.hostname;
  if (parseIP(host)) {
    const refusal = policy.refusal(host);
    return refusal && `the address ${host} is refused (${refusal.reason}) and may not be a target`;
  }
  let addresses: { address: string }[];
  try {
    addresses = await Promise.race([
      lookup(host, { all: true, verbatim: true }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('DNS lookup timed out')), LOOKUP_TIMEOUT_MS).unref()),
    ]);
  } catch {
    return undefined;
  }
  if (addresses.length > 0 && addresses.every((a) => !policy.allows(a.address))) {
    return `${host} resolves only to refused addresses (${addresses.map((a) => a.address).join(', ')}) and may not be a target`;
  }
  return undefined;
}
