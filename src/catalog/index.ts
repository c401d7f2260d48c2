import { readFileSync } from 'node:fs';

export interface EventTypeDefinition {
  name: string;
  description: string;
  schema?: Record<string, unknown>;
}

const file = new URL('./event-types.json', import.meta.url);

/** The event-type catalogue, read from `src/catalog/event-types.json`. */
export function loadCatalogue(): EventTypeDefinition[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { event_types: EventTypeDefinition[] };
  return parsed.event_types;
}
