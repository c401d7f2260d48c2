import type { EntityManager } from '@mikro-orm/postgresql';
import { Attempt, Delivery, Event, type DeliveryStatus } from '../db/entities/index.js';
import { readScope, type Actor } from './actor.js';
import { notFound } from './errors.js';
import { pageQuery, toPage, type Page, type PageRequest } from './pagination.js';
import { webhookBody } from './payload.js';

export interface DeliveryListFilter extends PageRequest {
  endpointId?: string | undefined;
  status?: DeliveryStatus | undefined;
  eventType?: string | undefined;
  after?: Date | undefined;
  before?: Date | undefined;
}

export interface DeliveryDetail {
  delivery: Delivery;
  payload: unknown;
  attempts: Attempt[];
}

export function createDeliveryService({ em }: { em: EntityManager }) {
  return {
    async list(actor: Actor, filter: DeliveryListFilter): Promise<Page<Delivery>> {
      const q = pageQuery(filter);
      const where: Record<string, unknown> = { ...q.where, ...readScope(actor) };
      if (filter.endpointId) where.endpointId = filter.endpointId;
      if (filter.status) where.status = filter.status;
      if (filter.eventType) where.eventType = filter.eventType;
      if (filter.after || filter.before) {
        where.createdAt = { ...(filter.after && { $gte: filter.after }), ...(filter.before && { $lt: filter.before }) };
      }
      const rows = await em.find(Delivery, where, { orderBy: { id: q.order }, limit: q.take });
      return toPage(rows, filter);
    },

    async get(actor: Actor, id: string): Promise<DeliveryDetail> {
      const delivery = await em.findOne(Delivery, { id, ...readScope(actor) });
      if (!delivery) throw notFound('delivery');
      const [event, attempts] = await Promise.all([
        em.findOneOrFail(Event, { id: delivery.eventId }),
        em.find(Attempt, { deliveryId: id }, { orderBy: { attempt: 'asc', id: 'asc' } }),
      ]);
      return { delivery, payload: JSON.parse(webhookBody(event)), attempts };
    },
  };
}
