import { expect } from 'vitest';
import type { Tenant } from './stack.js';
import { waitFor } from './receiver.js';

export async function createEndpoint(tenant: Tenant, body: Record<string, unknown>) {
  const res = await tenant.api('POST', '/endpoints', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; signing_secret: string; status: string };
}

export async function publish(tenant: Tenant, type: string, data: Record<string, unknown>) {
  const res = await tenant.api('POST', '/events', { type, data });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body as { id: string; deliveries: number };
}

export async function listDeliveries(tenant: Tenant, query = '') {
  const res = await tenant.api('GET', `/deliveries${query}`);
  expect(res.status).toBe(200);
  return res.body.data as any[];
}

export async function getDelivery(tenant: Tenant, id: string) {
  const res = await tenant.api('GET', `/deliveries/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Waits until the delivery has `status` and returns its detail (with attempts). */
export async function waitForDeliveryStatus(tenant: Tenant, deliveryId: string, status: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const d = await getDelivery(tenant, deliveryId);
      return d.status === status ? d : undefined;
    },
    timeoutMs,
    `delivery ${deliveryId} to become ${status}`,
  );
}

/** Publishes one event to a fresh endpoint and returns its single delivery id. */
export async function deliverOne(tenant: Tenant, url: string, data: Record<string, unknown> = { n: 1 }, endpoint: Record<string, unknown> = {}) {
  const ep = await createEndpoint(tenant, { url, ...endpoint });
  const event = await publish(tenant, 'order.created', data);
  const [delivery] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
  return { endpoint: ep, event, deliveryId: delivery.id as string };
}
