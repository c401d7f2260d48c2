import { monotonicFactory } from 'ulid';

// Monotonic within a millisecond, so rows created together (an event's fan-out) list in creation order.
const ulid = monotonicFactory();

export const ID_PREFIXES = {
  endpoint: 'ep',
  event: 'evt',
  delivery: 'dlv',
  attempt: 'att',
  audit: 'aud',
  apiKey: 'key',
  idempotency: 'idem',
  portalSession: 'ps',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** A new prefixed, time-sortable id such as `dlv_01J…`. */
export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${ulid()}`;
}

/** True when `value` looks like an id of the given kind. */
export function isId(kind: IdKind, value: string): boolean {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9A-HJKMNP-TV-Z]{26}$`).test(value);
}
