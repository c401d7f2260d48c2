/** The events Hookline publishes about its own operation (SPEC §5), in the event-type catalogue. */
export const OPERATIONAL_EVENT_TYPES = [
  'endpoint.disabled',
  'endpoint.failing',
  'endpoint.recovered',
  'delivery.dead_lettered',
] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

const operational: ReadonlySet<string> = new Set(OPERATIONAL_EVENT_TYPES);

/** True for the events Hookline publishes itself. */
export function isOperationalEventType(eventType: string): eventType is OperationalEventType {
  return operational.has(eventType);
}

/**
 * True when an endpoint's `event_types` filter covers `eventType`: `*` (or an empty filter)
 * matches every event the platform publishes, `invoice.*` matches `invoice.paid` and
 * `invoice.line.created`. Hookline's operational events are opt-in: only a filter that names
 * them (`endpoint.failing`) or their prefix (`endpoint.*`) receives them, so an endpoint that
 * takes everything is not sent news of its own outage.
 */
export function subscribes(filter: readonly string[], eventType: string): boolean {
  const isOperational = operational.has(eventType);
  if (filter.length === 0) return !isOperational;
  return filter.some((pattern) => {
    if (pattern === '*') return !isOperational;
    if (pattern.endsWith('.*')) return eventType.startsWith(pattern.slice(0, -1));
    return pattern === eventType;
  });
}
