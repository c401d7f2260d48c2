import { LockMode } from '@mikro-orm/core';
import { Delivery, Endpoint, Event } from '../../db/entities/index.js';
import { writeScope, type Actor } from '../actor.js';
import { audit } from '../audit.js';
import type { ServiceContext } from '../context.js';
import type { EndpointRecover } from '../../schemas/endpoints.js';
import type { StoreAnswer } from '../idempotency.js';
import { assertReplayTarget, createReplay } from '../deliveries.js';
import { findEndpoint } from './crud.js';

/** Rows looked up per `$in` query, well under PostgreSQL's parameter limit. */
const IN_CHUNK = 1000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `POST /endpoints/{id}/recover`: replays of the endpoint's failed deliveries. */
export function createEndpointRecovery({ em, workflows }: ServiceContext) {
  return {
    /**
     * Replays every `failed` or `dead_letter` original delivery (not itself a replay) of the
     * endpoint created in `[since, until)` that has not been replayed yet, so calling it twice
     * over the same window replays each original once. Deliveries of synthetic test events are
     * left alone. Returns how many were replayed.
     */
    async recover(actor: Actor, endpointId: string, window: EndpointRecover, storeAnswer?: StoreAnswer<number>): Promise<number> {
      // The request's schema checked the window (`since` before `until`, which defaults to now).
      const since = new Date(window.since);
      const until = window.until === undefined ? new Date() : new Date(window.until);
      const endpoint = assertReplayTarget(await findEndpoint(em, actor, endpointId, { forWrite: true }));

      const replays = await em.transactional(async (tx) => {
        // Concurrent recovers of one endpoint take turns, so none replays an original twice.
        await tx.findOneOrFail(Endpoint, { id: endpoint.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        const originals = await tx.find(
          Delivery,
          {
            endpointId: endpoint.id,
            ...writeScope(actor),
            replayOf: null,
            status: { $in: ['failed', 'dead_letter'] },
            createdAt: { $gte: since, $lt: until },
          },
          { orderBy: { id: 'asc' } },
        );
        const skip = new Set<string>();
        for (const part of chunks(originals, IN_CHUNK)) {
          const ids = part.map((d) => d.id);
          const replayed = await tx.find(Delivery, { replayOf: { $in: ids } }, { fields: ['id', 'replayOf'] });
          for (const r of replayed) if (r.replayOf) skip.add(r.replayOf);
          const eventIds = [...new Set(part.map((d) => d.eventId))];
          const testEvents = await tx.find(Event, { id: { $in: eventIds }, test: true }, { fields: ['id'] });
          const testIds = new Set(testEvents.map((e) => e.id));
          for (const d of part) if (testIds.has(d.eventId)) skip.add(d.id);
        }
        const created = originals.filter((d) => !skip.has(d.id)).map((d) => createReplay(tx, d, endpoint, workflows.taskQueue));
        audit(tx, actor, {
          action: 'endpoint.recovered_deliveries',
          resourceType: 'endpoint',
          resourceId: endpoint.id,
          changes: { since: since.toISOString(), until: until.toISOString(), replayed: created.length },
        });
        await tx.flush();
        await storeAnswer?.(tx, created.length);
        return created;
      });
      return replays.length;
    },
  };
}
