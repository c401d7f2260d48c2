/**
 * The fault suite of one topology: one engine for all its faults (each fault has its own tenant,
 * receiver and ledger), one test per fault, each printing its ledger line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerLine, type FaultResult } from './ledger.js';
import { DATABASE_SERVER_URL, FAULT_EVENTS, RETRY_SCHEDULE, selectedTopologies } from './options.js';
import { apiKill } from './scenarios/api-kill.js';
import type { ExactlyOnceResult, FaultContext } from './scenarios/common.js';
import { receiverOutage } from './scenarios/receiver-outage.js';
import { sameEventId } from './scenarios/same-event-id.js';
import { temporalRestart } from './scenarios/temporal-restart.js';
import { workerKill } from './scenarios/worker-kill.js';
import { startFaultStack, type FaultStack, type Topology } from './stack.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { databaseOutage } from './scenarios/database-outage.js';

/** Every accepted delivery ended delivered, once in the database, signed right, and Temporal agrees. */
function expectBalanced(r: FaultResult): void {
  const context = `${ledgerLine(r)}\n${r.problems.join('\n')}`;
  expect(r.missing, context).toBe(0);
  expect(r.delivered + r.deadLettered, context).toBe(r.deliveries);
  expect(r.extraRows, context).toBe(0);
  expect(r.badSignatures, context).toBe(0);
  expect(r.statusAgrees, context).toBe(r.statusTotal);
  expect(r.statusTotal, context).toBe(r.deliveries);
}

/** Balanced, nothing dead-lettered, and every logical event acknowledged and stored exactly once. */
function expectExactlyOnce(r: ExactlyOnceResult): void {
  expectBalanced(r);
  expect(r.deadLettered).toBe(0);
  expect(r.unacknowledged, 'events no client got a 2xx for within the retry bound').toEqual([]);
  expect(r.storedTwice, 'logical events stored more than once').toEqual([]);
  expect(r.storedUnacknowledged).toEqual([]);
}

/** Registers the faults against a fresh engine on `topology`, skipped when it is not selected. */
export function describeFaults(topology: Topology, title: string): void {
  describe.skipIf(!selectedTopologies().includes(topology))(title, () => {
    let stack: FaultStack;
    // Hookline's own PostgreSQL is a private cluster, so the database fault can stop it; Temporal's
    // databases stay on the machine's server.
    let database: PrivatePostgres;
    const context = (): FaultContext => ({ stack, events: FAULT_EVENTS, database });

    beforeAll(async () => {
      database = await startPrivatePostgres();
      stack = await startFaultStack({
        topology,
        databaseServerUrl: DATABASE_SERVER_URL,
        hooklineDatabaseServerUrl: database.url,
        retrySchedule: RETRY_SCHEDULE,
        workers: 2,
      });
    });
    afterAll(async () => {
      await stack?.stop();
      await database?.cleanup();
    });

    it('loses no delivery when Temporal is killed mid-publish and restarted on its data', async () => {
      const r = await temporalRestart(context());
      console.log(ledgerLine(r));
      expectBalanced(r);
      expect(r.deadLettered).toBe(0);
      // The API does not need Temporal to accept an event.
      expect(r.answers.allAccepted(), r.answers.toString()).toBe(true);
      expect(r.events).toBe(FAULT_EVENTS);
    });

    it('retries through a receiver that refuses connections for 15 s', async () => {
      const r = await receiverOutage(context());
      console.log(ledgerLine(r));
      expectBalanced(r);
      expect(r.deadLettered).toBe(0);
      expect(r.answers.allAccepted(), r.answers.toString()).toBe(true);
      expect(r.events).toBe(FAULT_EVENTS);
    });

    it('stores one event and sends each delivery once for 20 concurrent publishes of one event id', async () => {
      const r = await sameEventId(context());
      console.log(ledgerLine(r));
      expectBalanced(r);
      expect(r.splitRounds).toEqual([]);
      expect(r.answers.allAccepted(), r.answers.toString()).toBe(true);
      expect(r.deadLettered).toBe(0);
      expect(r.duplicates).toBe(0);
    });

    it('loses no delivery when workers are killed with SIGKILL one after another', async () => {
      const r = await workerKill(context());
      console.log(ledgerLine(r));
      expectBalanced(r);
      expect(r.deadLettered).toBe(0);
      expect(r.answers.allAccepted(), r.answers.toString()).toBe(true);
      expect(r.events).toBe(FAULT_EVENTS);
    });

    it('stores and delivers every event exactly once when the API is killed mid-publish and clients retry with their Idempotency-Key', async () => {
      const r = await apiKill(context());
      console.log(ledgerLine(r));
      console.log(
        `fault api-kill [${topology}]: unacknowledged ${r.unacknowledged.length} [${r.unacknowledged.join(', ')}], ` +
          `stored twice ${r.storedTwice.length}, stored without a 2xx ${r.storedUnacknowledged.length}`,
      );
      expectExactlyOnce(r);
      expect(r.events).toBe(FAULT_EVENTS);
    });

    it('stores and delivers every event exactly once when PostgreSQL stops for 8 s, answering 503 meanwhile', async () => {
      const r = await databaseOutage(context());
      console.log(ledgerLine(r));
      console.log(
        `fault database-outage [${topology}]: unacknowledged ${r.unacknowledged.length}, stored twice ${r.storedTwice.length}, ` +
          `stored without a 2xx ${r.storedUnacknowledged.length}; answers ${r.answers.toString()}`,
      );
      expectExactlyOnce(r);
      // While PostgreSQL was down the API said so, and never with a 500.
      expect(r.answers.count(500), r.answers.toString()).toBe(0);
      expect(r.answers.count(503), r.answers.toString()).toBeGreaterThan(0);
      expect(r.events).toBe(FAULT_EVENTS);
    });
  });
}
