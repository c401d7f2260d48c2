import pg from 'pg';
import { ChangeSetType, type EventSubscriber, type FlushEventArgs } from '@mikro-orm/core';
import { Delivery } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import type { DeliveryWorkflows } from './client.js';

/** The channel the `deliveries` insert trigger notifies (see the dispatch-queue migration). */
export const DISPATCH_CHANNEL = 'hookline_dispatch';

export interface DispatcherOptions {
  orm: Orm;
  workflows: DeliveryWorkflows;
  logger: Logger;
  /** Deliveries claimed per round. */
  batchSize?: number;
  /** Looks at the queue this often even without a notification (lost notices, an embedded database). */
  pollMs?: number;
  /** A claim a dispatcher died with is taken over by another after this long. */
  leaseSeconds?: number;
}

export interface Dispatcher {
  /** Claims and starts what is waiting now; resolves with how many workflows it started. */
  dispatchOnce(): Promise<number>;
  /** Runs until `stop`: woken by PostgreSQL notifications, and by its poll interval. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface ClaimedRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_type: string;
  status: string;
  url: string | null;
}

const MAX_FAILURE_DELAY_MS = 10_000;

/**
 * Starts the workflows of committed deliveries, so `POST /events` never waits on Temporal. Each
 * round claims due rows of the dispatch queue with `FOR UPDATE SKIP LOCKED` (any number of
 * dispatchers share the queue without taking the same row), pushes their `dispatch_after` on by a
 * lease, starts their workflows together, and takes them off the queue. A start that fails puts
 * the row back with a delay; a dispatcher that dies mid-round leaves its claims to expire.
 * Starting is idempotent (one workflow id per delivery), so a claim that is run twice is harmless.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { orm, workflows, logger } = options;
  const batchSize = options.batchSize ?? 200;
  const pollMs = options.pollMs ?? 500;
  const leaseSeconds = options.leaseSeconds ?? 30;

  let running = false;
  let woken = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let listener: pg.Client | undefined;
  let listenerRetry: NodeJS.Timeout | undefined;

  function nudge(): void {
    woken = true;
    wake?.();
  }

  function sleep(ms: number): Promise<void> {
    if (woken || !running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function dispatchOnce(): Promise<number> {
    const em = orm.em.fork();
    const claimed = await em.execute<ClaimedRow[]>(
      `update deliveries d
          set dispatch_after = now() + make_interval(secs => ?)
         from (select id from deliveries
                where dispatch_queue = ? and dispatch_after <= now()
                order by dispatch_after
                limit ?
                for update skip locked) due
        where d.id = due.id
       returning d.id, d.tenant_id, d.endpoint_id, d.event_type, d.status,
                 (select e.url from endpoints e where e.id = d.endpoint_id) as url`,
      [leaseSeconds, workflows.taskQueue, batchSize],
    );
    if (claimed.length === 0) return 0;
    const outcomes = await Promise.all(
      claimed.map(async (row) => {
        // Ended before its workflow started (its endpoint was disabled, say): nothing to run.
        if (row.status !== 'pending') return { id: row.id, started: false, ok: true };
        try {
          await workflows.start(
            { id: row.id, tenantId: row.tenant_id, endpointId: row.endpoint_id, eventType: row.event_type },
            row.url ?? '',
          );
          return { id: row.id, started: true, ok: true };
        } catch (err) {
          logger.warn({ err, deliveryId: row.id }, 'could not start a delivery workflow; it stays queued');
          return { id: row.id, started: false, ok: false };
        }
      }),
    );
    const done = outcomes.filter((o) => o.ok).map((o) => o.id);
    const failed = outcomes.filter((o) => !o.ok).map((o) => o.id);
    if (done.length > 0) await em.execute(`update deliveries set dispatch_after = null where id in (${placeholders(done)})`, done);
    if (failed.length > 0) {
      await em.execute(
        `update deliveries set dispatch_after = now() + interval '1 second' where id in (${placeholders(failed)})`,
        failed,
      );
      throw new Error(`${failed.length} of ${claimed.length} delivery workflows could not be started`);
    }
    return outcomes.filter((o) => o.started).length;
  }

  async function listen(): Promise<void> {
    const url = orm.config.get('clientUrl');
    if (!url || !running) return;
    const client = new pg.Client({ connectionString: url });
    client.on('notification', nudge);
    client.on('error', (err) => {
      logger.warn({ err }, 'dispatcher lost its notification connection; polling until it is back');
      void client.end().catch(() => undefined);
      if (listener === client) listener = undefined;
      retryListen();
    });
    try {
      await client.connect();
      await client.query(`listen ${DISPATCH_CHANNEL}`);
      listener = client;
      // Anything committed while no one listened.
      nudge();
    } catch (err) {
      logger.warn({ err }, 'dispatcher could not listen for notifications; polling instead');
      await client.end().catch(() => undefined);
      retryListen();
    }
  }

  function retryListen(): void {
    if (!running || listenerRetry) return;
    listenerRetry = setTimeout(() => {
      listenerRetry = undefined;
      void listen();
    }, 5000);
  }

  /**
   * Deliveries created through this process's own ORM (the API and a worker in one process, as
   * under `npm start`) wake the dispatcher directly: an embedded database relays no notifications.
   */
  let subscribed = false;
  function subscribeToFlushes(): void {
    if (subscribed) return;
    subscribed = true;
    const subscriber: EventSubscriber = {
      getSubscribedEntities: () => [Delivery],
      afterFlush({ uow }: FlushEventArgs) {
        if (running && uow.getChangeSets().some((cs) => cs.type === ChangeSetType.CREATE && cs.meta.class === Delivery)) nudge();
      },
    };
    orm.em.getEventManager().registerSubscriber(subscriber);
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      woken = false;
      let started = 0;
      let full = false;
      try {
        const before = Date.now();
        started = await dispatchOnce();
        full = started >= batchSize;
        if (started > 0) logger.debug({ started, ms: Date.now() - before }, 'dispatched delivery workflows');
        failures = 0;
      } catch (err) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) logger.warn({ err, failures }, 'dispatch round failed; retrying');
      }
      if (full && failures === 0) continue;
      await sleep(failures > 0 ? Math.min(MAX_FAILURE_DELAY_MS, 250 * 2 ** Math.min(failures, 6)) : pollMs);
    }
  }

  return {
    dispatchOnce,
    async start() {
      if (running) return;
      running = true;
      subscribeToFlushes();
      await listen();
      loop = run();
    },
    async stop() {
      running = false;
      clearTimeout(listenerRetry);
      wake?.();
      await loop;
      await listener?.end().catch(() => undefined);
      listener = undefined;
    },
  };
}

function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
