import { connect } from 'node:net';
import type { Stack, Tenant } from '../stack.js';
import type { Receiver } from '../receiver.js';
import type { IdKind } from './request-plans.js';

const ID_PATTERN = /^(ep|evt|dlv)_[0-9A-HJKMNP-TV-Z]{26}$/;
/** How many endpoints the fuzz may keep alive at once: each one multiplies every publish's deliveries. */
const MAX_LIVE_ENDPOINTS = 8;
const MAX_IDS_PER_KIND = 200;

/** A port on loopback that nothing listens on: deliveries to it fail at once, and reach nobody. */
export const CLOSED_PORT = 9;

/** Resolves when nothing accepts connections on 127.0.0.1:`port`, rejects when something does. */
export async function assertPortClosed(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      reject(new Error(`something listens on 127.0.0.1:${port}; the fuzz needs a closed port there`));
    });
    socket.once('error', () => resolve());
  });
}

type Pool = Record<IdKind, string[]>;

/** A day-long portal session token of `tenant`. */
async function portalToken(stack: Stack, tenant: Tenant, readOnly: boolean): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/manage/v1/portal-sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ expires_in: 86_400, read_only: readOnly }),
  });
  if (res.status !== 201) throw new Error(`portal session: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/**
 * The resources the fuzz aims at: endpoints (to a local receiver and to a closed port), an event
 * and its deliveries in the test's own tenant, the same in a foreign tenant (whose ids must stay
 * 404), and every id the API hands back as the fuzz goes. Deleted fixtures are recreated, and the
 * endpoints the fuzz creates are capped so that fan-out stays small.
 */
export class FuzzFixtures {
  readonly own: Pool = { ep: [], evt: [], dlv: [], tenant: [] };
  readonly foreign: Pool = { ep: [], evt: [], dlv: [], tenant: [] };
  readonly deleted: string[] = [];
  /** Endpoints created by fuzzed requests, oldest first, that are still alive. */
  private readonly created: string[] = [];
  private fixtureEndpoints = new Map<string, string>();
  private needsRefresh = false;

  private constructor(
    readonly tenant: Tenant,
    /** An `admin` key of the test's own tenant. */
    readonly admin: Tenant,
    readonly publishOnly: Tenant,
    readonly other: Tenant,
    readonly receiver: Receiver,
  ) {}

  /** Portal session tokens of the test's own tenant: the portal routes' `own` and read-only callers. */
  readonly portal = { token: '', readOnlyToken: '' };

  /** Base URLs of every endpoint the fuzz may create: the receiver and the closed port, nothing else. */
  get loopbackBases(): string[] {
    const receiver = new URL(this.receiver.url);
    return [`http://127.0.0.1:${receiver.port}`, `http://127.0.0.1:${CLOSED_PORT}`, `http://localhost:${CLOSED_PORT}`, `http://[::1]:${CLOSED_PORT}`];
  }

  static async create(stack: Stack, receiver: Receiver): Promise<FuzzFixtures> {
    await assertPortClosed(CLOSED_PORT);
    const tenant = await stack.newTenant();
    const fixtures = new FuzzFixtures(
      tenant,
      await stack.newTenant({ id: tenant.id, scopes: ['admin'] }),
      await stack.newTenant({ scopes: ['publish_events'] }),
      await stack.newTenant(),
      receiver,
    );
    fixtures.own.tenant.push(fixtures.tenant.id);
    fixtures.portal.token = await portalToken(stack, tenant, false);
    fixtures.portal.readOnlyToken = await portalToken(stack, tenant, true);
    fixtures.foreign.tenant.push(fixtures.other.id, 'no_such_tenant');
    await fixtures.refresh();
    const foreignEndpoint = await created(fixtures.other, '/endpoints', { url: `http://127.0.0.1:${CLOSED_PORT}/foreign` });
    const foreignEvent = await created(fixtures.other, '/events', { type: 'order.created', data: { fixture: true } });
    const foreignDeliveries = await fixtures.other.api('GET', '/deliveries');
    fixtures.foreign.ep.push(foreignEndpoint.id);
    fixtures.foreign.evt.push(foreignEvent.id);
    fixtures.foreign.dlv.push(...foreignDeliveries.body.data.map((d: { id: string }) => d.id));
    return fixtures;
  }

  /** The id a plan's reference stands for, or undefined when there is none of that kind yet. */
  resolve(owner: 'own' | 'foreign' | 'deleted', kind: IdKind, index: number): string | undefined {
    const list = owner === 'deleted' ? this.deleted : (owner === 'own' ? this.own : this.foreign)[kind];
    return list.length > 0 ? list[index % list.length] : undefined;
  }

  /** Puts back what earlier requests removed, before the next request. */
  async ensure(): Promise<void> {
    while (this.created.length > MAX_LIVE_ENDPOINTS) {
      const id = this.created.shift()!;
      const res = await this.tenant.api('DELETE', `/endpoints/${id}`);
      if (res.status === 200) this.forget(id);
    }
    if (this.needsRefresh) await this.refresh();
  }

  /** Learns from a response of the test's own tenant: new ids, deletions, created endpoints. */
  observe(method: string, template: string | undefined, pathId: string | undefined, status: number, body: unknown): void {
    if (status < 200 || status >= 300) return;
    if (template?.endsWith('/endpoints/{id}') && method === 'DELETE' && pathId) {
      this.forget(pathId);
      return;
    }
    if (template?.endsWith('/endpoints/{id}/deliveries') && method === 'DELETE' && pathId && this.fixtureEndpoints.has(pathId)) {
      // Its finished deliveries are gone: publish again so there are deliveries to aim at.
      this.needsRefresh = true;
    }
    if (template?.endsWith('/endpoints') && method === 'POST' && status === 201) {
      const id = (body as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string' && !this.created.includes(id) && !this.deleted.includes(id)) this.created.push(id);
    }
    this.harvest(body, 0);
  }

  private forget(id: string): void {
    for (const list of [this.own.ep, this.created]) {
      const at = list.indexOf(id);
      if (at >= 0) list.splice(at, 1);
    }
    if (!this.deleted.includes(id)) this.deleted.push(id);
    if (this.fixtureEndpoints.has(id)) {
      this.fixtureEndpoints.delete(id);
      this.needsRefresh = true;
    }
  }

  private harvest(value: unknown, depth: number): void {
    if (depth > 4 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value.slice(0, 50)) this.harvest(item, depth + 1);
      return;
    }
    for (const v of Object.values(value)) {
      if (typeof v === 'string' && ID_PATTERN.test(v) && !this.deleted.includes(v)) {
        const list = this.own[v.slice(0, v.indexOf('_')) as IdKind];
        if (!list.includes(v)) {
          list.push(v);
          if (list.length > MAX_IDS_PER_KIND) list.splice(0, 1);
        }
      } else {
        this.harvest(v, depth + 1);
      }
    }
  }

  /**
   * The fixture endpoints (one to the receiver, one to the closed port) exist, and an event was
   * published to them, so real endpoint, event and delivery ids are at hand.
   */
  private async refresh(): Promise<void> {
    this.needsRefresh = false;
    for (const [role, url] of [
      ['receiver', this.receiver.url],
      ['closed', `http://127.0.0.1:${CLOSED_PORT}/hook`],
    ]) {
      if ([...this.fixtureEndpoints.values()].includes(role!)) continue;
      const endpoint = await created(this.tenant, '/endpoints', { url, name: `fuzz fixture (${role})` });
      this.fixtureEndpoints.set(endpoint.id, role!);
      this.own.ep.push(endpoint.id);
    }
    const event = await created(this.tenant, '/events', { type: 'order.created', data: { fixture: true } });
    this.own.evt.push(event.id);
    const deliveries = await this.tenant.api('GET', `/events/${event.id}`);
    this.harvest(deliveries.body, 0);
  }
}

async function created(tenant: Tenant, path: string, body: unknown): Promise<{ id: string }> {
  const res = await tenant.api('POST', path, body);
  if (res.status !== 201 && res.status !== 202) throw new Error(`fixture POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
