/**
 * Which endpoints take which events: the one definition of an endpoint's `event_types` filter.
 * Publishing checks it in memory, `GET /endpoints?event_type=…` asks PostgreSQL; both derive
 * from {@link patternsMatching}, so a listed endpoint is one that is sent the event.
 */

/** The events Hookline publishes about its own operation (SPEC §5), in the event-type catalogue. */
export const OPERATIONAL_EVENT_TYPES = [
  'endpoint.disabled',
  'endpoint.failing',
  'endpoint.recovered',
  'delivery.dead_lettered',
] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

/** The filter entry that stands for every event the platform publishes. */
export const ALL_EVENTS = '*';

const operational: ReadonlySet<string> = new Set(OPERATIONAL_EVENT_TYPES);

/** True for the events Hookline publishes itself. */
export function isOperationalEventType(eventType: string): eventType is OperationalEventType {
  return operational.has(eventType);
}

/** A filter as it is stored: an empty one means every event, and is kept as `["*"]`. */
export function normalizeFilter(filter: readonly string[]): string[] {
  return filter.length > 0 ? [...filter] : [ALL_EVENTS];
}

/**
 * Every filter entry that takes `eventType`: the type itself, each prefix wildcard above it
 * (`invoice.line.*`, `invoice.*` for `invoice.line.created`), and `*` — except for Hookline's
 * operational events, which are opt-in: only a filter that names them (`endpoint.failing`) or
 * their prefix (`endpoint.*`) receives them, so an endpoint that takes everything is not sent
 * news of its own outage.
 */
export function patternsMatching(eventType: string): string[] {
  const patterns = [eventType];
  const parts = eventType.split('.');
  for (let i = parts.length - 1; i > 0; i--) patterns.push(`${parts.slice(0, i).join('.')}.*`);
  if (!isOperationalEventType(eventType)) patterns.push(ALL_EVENTS);
  return patterns;
}

/** A check of filters against one event type, for publishing to many endpoints at once. */
export function subscriptionMatcher(eventType: string): (filter: readonly string[]) => boolean {
  const patterns = new Set(patternsMatching(eventType));
  return (filter) => normalizeFilter(filter).some((entry) => patterns.has(entry));
}

/** True when an endpoint's `event_types` filter covers `eventType` (see {@link patternsMatching}). */
export function subscribes(filter: readonly string[], eventType: string): boolean {
  return subscriptionMatcher(eventType)(filter);
}

/**
 * The same check as a MikroORM condition on a JSON `eventTypes` column: the filter contains one of
 * the patterns. Stored filters are never empty (see {@link normalizeFilter}).
 */
export function subscribersWhere(eventType: string): { $or: { eventTypes: { $contains: string[] } }[] } {
  return { $or: patternsMatching(eventType).map((pattern) => ({ eventTypes: { $contains: [pattern] } })) };
}

/**
 * True when a filter entry stays inside `allowed` (a portal session's event types): it is one of
 * them, or falls under one of their prefixes (`invoice.*` allows `invoice.paid` and
 * `invoice.line.*`). `*` is allowed only by `*`.
 */
export function withinAllowed(entry: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => a === ALL_EVENTS || a === entry || (a.endsWith('.*') && entry.startsWith(a.slice(0, -1))));
}
