/** The fault suite's settings, from the environment. */
import type { Topology } from './stack.js';

/** Events published per fault (`HOOKLINE_FAULT_EVENTS`); the default fits the suite in about ten minutes on two cores. */
export const FAULT_EVENTS = positiveInt('HOOKLINE_FAULT_EVENTS', 120);

/** The PostgreSQL server the run creates its databases on (and drops them from). */
export const DATABASE_SERVER_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Short, so a receiver outage is retried through in seconds and a delivery could dead-letter in about half a minute. */
export const RETRY_SCHEDULE = '1,1,2,2,5,5,10';

/** Topologies to run (`HOOKLINE_FAULT_TEMPORAL=dev|postgres|both`, default both). */
export function selectedTopologies(): Topology[] {
  const value = process.env.HOOKLINE_FAULT_TEMPORAL || 'both';
  if (value === 'both') return ['dev', 'postgres'];
  if (value === 'dev' || value === 'postgres') return [value];
  throw new Error(`HOOKLINE_FAULT_TEMPORAL must be dev, postgres or both, not "${value}"`);
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return n;
}
