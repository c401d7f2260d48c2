import type { Event } from '../db/entities/index.js';

/** The JSON body a receiver gets: `{"type", "timestamp", "data"}` (SPEC §4). */
export function webhookBody(event: Pick<Event, 'type' | 'createdAt' | 'data'>): string {
  return JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.data });
}
