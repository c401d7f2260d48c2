/**
 * True when an endpoint's `event_types` filter covers `eventType`: `*` (or an empty filter)
 * matches everything, `invoice.*` matches `invoice.paid` and `invoice.line.created`.
 */
export function subscribes(filter: readonly string[], eventType: string): boolean {
  if (filter.length === 0) return true;
  return filter.some((pattern) => {
    if (pattern === '*') return true;
    if (pattern.endsWith('.*')) return eventType.startsWith(pattern.slice(0, -1));
    return pattern === eventType;
  });
}
