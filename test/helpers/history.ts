// The default import: @temporalio/proto is CommonJS, whose named exports Node's ESM loader (tsx) cannot see.
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';

/** Every string in a Temporal history, with payload bytes decoded, so a search sees what Temporal stores. */
export function historyText(history: temporal.api.history.v1.IHistory): string {
  const parts: string[] = [];
  const walk = (value: unknown) => {
    if (value === null || value === undefined) return;
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object') Object.values(value as Record<string, unknown>).forEach(walk);
  };
  walk(history);
  return parts.join('\n');
}

/** The names of a history's event types, in order (`WORKFLOW_TASK_SCHEDULED`, …). */
export function historyEventTypes(history: temporal.api.history.v1.IHistory): string[] {
  const names = proto.temporal.api.enums.v1.EventType;
  return (history.events ?? []).map((e) => String(names[Number(e.eventType)] ?? e.eventType).replace(/^EVENT_TYPE_/, ''));
}
