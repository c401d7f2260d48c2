import type { QueryResult } from '@mikro-orm/core';
import { FINISHED_DELIVERY_STATUSES } from '../../db/entities/index.js';
import type { Actor } from '../actor.js';
import { audit } from '../audit.js';
import type { ServiceContext } from '../context.js';
import { createDeliveryService } from '../deliveries.js';
import type { DeliveryListQuery } from '../../schemas/deliveries.js';
import type { Page } from '../pagination.js';
import type { Delivery } from '../../db/entities/index.js';
import { findEndpoint } from './crud.js';

/** `GET` and `DELETE /endpoints/{id}/deliveries`: one endpoint's delivery history. */
export function createEndpointDeliveries(ctx: ServiceContext) {
  const { em } = ctx;
  return {
    /** The endpoint's deliveries, newest first: the delivery list, scoped to an endpoint that exists. */
    async listDeliveries(actor: Actor, id: string, query: Omit<DeliveryListQuery, 'endpoint_id'>): Promise<Page<Delivery>> {
      await findEndpoint(em, actor, id);
      return createDeliveryService(ctx).list(actor, { ...query, endpoint_id: id });
    },

    /**
     * Deletes the endpoint's finished deliveries (delivered, failed, dead-lettered) and their
     * attempts in one transaction; deliveries under way are kept. Returns how many went.
     */
    async purgeDeliveries(actor: Actor, id: string): Promise<number> {
      return em.transactional(async (tx) => {
        const endpoint = await findEndpoint(tx, actor, id, { forWrite: true });
        // One statement, so a delivery that finishes meanwhile is either purged with its attempts or kept whole.
        const result = await tx.execute<QueryResult>(
          `with doomed as (
             select id from deliveries
              where endpoint_id = ? and tenant_id = ? and status in (?, ?, ?)
              for update
           ), purged_attempts as (
             delete from attempts where delivery_id in (select id from doomed)
           )
           delete from deliveries where id in (select id from doomed)`,
          [endpoint.id, endpoint.tenantId, ...FINISHED_DELIVERY_STATUSES],
          'run',
        );
        const deleted = result.affectedRows;
        audit(tx, actor, {
          action: 'endpoint.deliveries_purged',
          resourceType: 'endpoint',
          resourceId: endpoint.id,
          changes: { deleted },
        });
        return deleted;
      });
    },
  };
}
