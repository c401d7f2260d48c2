/**
 * A fault's exact ledger: every event the API accepted, times the endpoints subscribed to it, must
 * end `delivered` (received and verified by the receiver) or `dead_letter`, once in the database
 * and with the same status in Temporal's visibility store. The receiver side is the bench's ledger;
 * the database and Temporal sides are checked here.
 */
import { searchAttributes } from '../../src/temporal/search-attributes.js';
import { deliveryIdFromWorkflowId } from '../../src/temporal/workflow-ids.js';
import { createEndpoint } from '../bench/api-client.js';
import { Ledger } from '../bench/ledger.js';
import { waitUntil } from '../bench/lifecycle.js';
import { startReceiver, type PathOptions, type Receiver } from '../bench/receiver.js';
import type { Answers, Publication } from './publisher.js';
import type { FaultStack, Tenant } from './stack.js';

export const EVENT_TYPE = 'order.created';
/** Each fault fans out to this many endpoints, so each event is as many deliveries. */
const ENDPOINTS = 2;
const SETTLE_TIMEOUT_MS = 180_000;
const VISIBILITY_TIMEOUT_MS = 60_000;

export interface FaultSetup {
  tenant: Tenant;
  receiver: Receiver;
  /** Receiver path of each endpoint, by endpoint id. */
  paths: Map<string, string>;
}

/** A tenant of the fault's own, a receiver, and endpoints on it subscribed to `EVENT_TYPE`. */
export async function setUpFault(stack: FaultStack, fault: string, pathOptions: PathOptions = {}): Promise<FaultSetup> {
  const tenant = await stack.newTenant(fault.replace(/\W/g, '_'));
  const receiver = await startReceiver();
  const paths = new Map<string, string>();
  for (let i = 0; i < ENDPOINTS; i++) {
    const path = `/${fault}/${i}`;
    const endpoint = await createEndpoint(tenant.api, `${receiver.base}${path}`, EVENT_TYPE);
    receiver.addPath(path, endpoint.secret, pathOptions);
    paths.set(endpoint.id, path);
  }
  return { tenant, receiver, paths };
}

interface DeliveryRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  status: string;
}

const deliveryRows = (stack: FaultStack, tenantId: string) =>
  stack.orm.em.fork().execute<DeliveryRow[]>(`select id, event_id, endpoint_id, status from deliveries where tenant_id = ? and replay_of is null`, [tenantId]);

/**
 * Waits until every accepted event has its deliveries and none of them is pending any more.
 * Throws, with what is still open, if that takes longer than a generous bound.
 */
export async function waitUntilSettled(stack: FaultStack, setup: FaultSetup, eventIds: readonly string[]): Promise<void> {
  const expected = new Set(eventIds).size * setup.paths.size;
  let last = { rows: 0, pending: 0 };
  let lastError: string | undefined;
  const settled = await waitUntil(
    async () => {
      // A poll that fails (the shared PostgreSQL out of connections) is tried again, not fatal.
      const rows = await deliveryRows(stack, setup.tenant.id).catch((err: Error) => {
        lastError = err.message;
        return undefined;
      });
      if (!rows) return false;
      last = { rows: rows.length, pending: rows.filter((r) => r.status === 'pending').length };
      return rows.length >= expected && last.pending === 0;
    },
    SETTLE_TIMEOUT_MS,
    500,
  );
  if (!settled) {
    throw new Error(
      `deliveries did not settle within ${SETTLE_TIMEOUT_MS / 1000} s: ${last.rows} of ${expected} rows, ${last.pending} still pending` +
        (lastError ? ` (last poll error: ${lastError})` : ''),
    );
  }
}

/** Delivery workflows of the tenant and their `WebhookDeliveryStatus`, by delivery id. */
async function temporalStatuses(stack: FaultStack, tenantId: string): Promise<Map<string, string | undefined>> {
  const statuses = new Map<string, string | undefined>();
  for await (const info of stack.temporal().workflow.list({ query: `WebhookTenantId="${tenantId}"` })) {
    const deliveryId = deliveryIdFromWorkflowId(info.workflowId);
    // Listed newest run first: a later run's status is the one that counts.
    if (deliveryId && !statuses.has(deliveryId)) statuses.set(deliveryId, info.typedSearchAttributes.get(searchAttributes.deliveryStatus));
  }
  return statuses;
}

export interface FaultResult {
  fault: string;
  topology: string;
  events: number;
  deliveries: number;
  delivered: number;
  deadLettered: number;
  missing: number;
  /** Receptions beyond the first of a (webhook-id, endpoint): the same event sent again. */
  duplicates: number;
  /** Delivery rows beyond one per accepted event and endpoint. */
  extraRows: number;
  badSignatures: number;
  statusAgrees: number;
  statusTotal: number;
  /** First lines of what disagreed or went missing. */
  problems: string[];
  answers: Answers;
  /** Figures reported, not asserted (failover time, outage length …). */
  notes: string[];
}

const KEPT_PROBLEMS = 8;

/**
 * Balances the ledger of a settled fault: the receiver's receipts, the database's delivery rows
 * and Temporal's search attribute, for every delivery of every accepted event.
 */
export async function auditFault(
  stack: FaultStack,
  setup: FaultSetup,
  fault: string,
  publications: readonly Publication[],
  answers: Answers,
): Promise<FaultResult> {
  const paths = [...setup.paths.values()];
  const ledger = new Ledger();
  const accepted = new Set<string>();
  for (const pub of publications) {
    // Publications of one event id (the same `id` or Idempotency-Key) are one event.
    if (pub.eventId && accepted.has(pub.eventId)) continue;
    if (pub.eventId) accepted.add(pub.eventId);
    const status = pub.eventId ? 202 : 0;
    ledger.record({ ...pub, status, scheduledAt: 0, firedAt: 0, respondedAt: 0, error: pub.eventId ? undefined : `given up after ${pub.tries} tries` }, paths, fault);
  }
  const received = ledger.totals(setup.receiver);
  const problems: string[] = [...received.failureSamples];

  const rows = await deliveryRows(stack, setup.tenant.id);
  const byKey = new Map(rows.map((r) => [`${r.event_id} ${r.endpoint_id}`, r]));
  let delivered = 0;
  let deadLettered = 0;
  let missing = 0;
  let expectedRows = 0;
  for (const eventId of accepted) {
    for (const [endpointId, path] of setup.paths) {
      const row = byKey.get(`${eventId} ${endpointId}`);
      if (row) expectedRows++;
      const receipt = setup.receiver.receipt(eventId, path);
      if (row?.status === 'delivered' && receipt) delivered++;
      else if (row?.status === 'dead_letter') deadLettered++;
      else {
        missing++;
        problems.push(`${eventId} → ${path}: ${row ? `status ${row.status}` : 'no delivery row'}, ${receipt ? 'received' : 'never received'}`);
      }
    }
  }
  // The unique (event, endpoint) index allows no second row of an accepted pair: anything else is
  // a delivery of an event no client was told was accepted.
  const extraRows = rows.length - expectedRows;

  // Visibility is eventually consistent: give it a bounded while to catch up with the database.
  let statusAgrees = 0;
  let disagreements: string[] = [];
  await waitUntil(
    async () => {
      const statuses = await temporalStatuses(stack, setup.tenant.id);
      disagreements = rows.filter((r) => statuses.get(r.id) !== r.status).map((r) => `${r.id}: database ${r.status}, Temporal ${statuses.get(r.id) ?? 'no workflow'}`);
      statusAgrees = rows.length - disagreements.length;
      return disagreements.length === 0;
    },
    VISIBILITY_TIMEOUT_MS,
    1000,
  );
  problems.push(...disagreements);

  return {
    fault,
    topology: stack.topology,
    events: accepted.size,
    deliveries: accepted.size * paths.length,
    delivered,
    deadLettered,
    missing,
    duplicates: received.duplicates,
    extraRows,
    badSignatures: setup.receiver.stats.badSignatures,
    statusAgrees,
    statusTotal: rows.length,
    problems: problems.slice(0, KEPT_PROBLEMS),
    answers,
    notes: [],
  };
}

/** The fault's one-line summary. */
export function ledgerLine(r: FaultResult): string {
  return (
    `fault ${r.fault} [${r.topology}]: accepted ${r.events} events (${r.deliveries} deliveries), delivered ${r.delivered}, ` +
    `dead-lettered ${r.deadLettered}, missing ${r.missing}, duplicates ${r.duplicates} (same webhook-id), ` +
    `status agrees ${r.statusAgrees}/${r.statusTotal}${r.notes.map((n) => `, ${n}`).join('')}, API answered ${r.answers.toString()}`
  );
}
