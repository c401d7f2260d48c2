/**
 * Twenty clients publish the same event (the same `id` in the body) at the same moment: the API
 * stores one event with one delivery per endpoint, answers all twenty with its id, and each
 * delivery is sent once.
 */
import { randomBytes } from 'node:crypto';
import { auditFault, setUpFault, waitUntilSettled, type FaultResult } from '../ledger.js';
import { Answers, startPublishing, type Publication } from '../publisher.js';
import { acceptedIds, eventBody, type FaultContext } from './common.js';

const FAULT = 'same-event-id';
const CONCURRENT = 20;

export interface SameEventIdResult extends FaultResult {
  /** Rounds (external ids) whose twenty answers named more than one event id, or a wrong fan-out. */
  splitRounds: string[];
}

export async function sameEventId({ stack, events }: FaultContext): Promise<SameEventIdResult> {
  const setup = await setUpFault(stack, FAULT);
  try {
    // `events` requests in all: rounds of twenty concurrent publishes of one event each.
    const rounds = Math.max(1, Math.round(events / CONCURRENT));
    const run = randomBytes(3).toString('hex');
    const answers = new Answers();
    const publications: Publication[] = [];
    const splitRounds: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const externalId = `${FAULT}-${run}-${round}`;
      const publishing = startPublishing(setup.tenant.api, {
        count: CONCURRENT,
        concurrency: CONCURRENT,
        spreadMs: 0,
        body: () => ({ ...eventBody(FAULT, round), id: externalId }),
      });
      const published = await publishing.done;
      answers.merge(publishing.answers);
      const ids = new Set(published.map((p) => p.eventId));
      if (ids.size !== 1 || published.some((p) => p.deliveries !== setup.paths.size)) {
        splitRounds.push(`${externalId}: event ids ${[...ids].join(', ')}; deliveries ${published.map((p) => p.deliveries).join(',')}`);
      }
      publications.push(...published);
    }
    await waitUntilSettled(stack, setup, acceptedIds(publications));
    const result = await auditFault(stack, setup, FAULT, publications, answers);
    result.notes.push(`${rounds} events × ${CONCURRENT} concurrent publishes`);
    return { ...result, splitRounds };
  } finally {
    await setup.receiver.close();
  }
}
