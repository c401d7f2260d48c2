import type { Next } from 'koa';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IdKind } from '../../src/ids.js';
import { badRequest, unavailable } from '../../src/services/errors.js';
import { claimLost, type IdempotencyClaim } from '../../src/services/idempotency.js';
import type { AppContext } from '../context.js';

/** How long idempotent requests may run, and how long their claims are kept for them. */
export interface IdempotencyLimits {
  /** A request holding a claim is answered 503 `request_timeout` after this long. */
  requestTimeoutMs: number;
  /** Longer than the request timeout: a claim older than this belongs to a request that is gone. */
  leaseMs: number;
}

/** What a handler gets when its request holds an Idempotency-Key. */
export interface IdempotencyHandle {
  claim: IdempotencyClaim;
  /** Stores the answer in the work's own transaction `tx`; throws (rolling `tx` back) if the claim was taken over. */
  complete(tx: EntityManager, status: number, body: unknown): Promise<void>;
}

/**
 * `Idempotency-Key` for a creating POST: the first response is stored for 24 h and replayed
 * (with `Idempotent-Replayed: true`) to a retry with the same body; a different body is a 422,
 * and a retry while the first request is still running is a 409 with `Retry-After`. A claim
 * whose request died is taken over once its lease has run out. Handlers that can store the
 * answer in the transaction of their work do so through `ctx.state.idempotency`.
 */
export function idempotent(route: string, limits: IdempotencyLimits, reserves?: IdKind) {
  return async (ctx: AppContext, next: Next) => {
    const key = ctx.get('idempotency-key');
    if (!key) return next();
    if (key.length > 255) throw badRequest('bad_request', 'Idempotency-Key is limited to 255 characters');
    const { services } = ctx.state;
    const actor = ctx.state.actor!;
    // The path (with its ids) is part of the scope: one key on two endpoints is two requests.
    const scope = `${route} ${ctx.path}`.slice(0, 200);
    const begun = await services.idempotency.begin(actor, {
      route: scope,
      key,
      body: ctx.state.body ?? null,
      leaseMs: limits.leaseMs,
      reserves,
    });
    if (begun.kind === 'replay') {
      ctx.status = begun.status;
      ctx.body = begun.body;
      ctx.set('Idempotent-Replayed', 'true');
      return;
    }
    const { claim } = begun;
    let storedInWork = false;
    ctx.state.idempotency = {
      claim,
      async complete(tx, status, body) {
        if (!(await services.idempotency.complete(claim, status, body, tx))) throw claimLost();
        storedInWork = true;
      },
    };
    const release = () =>
      services.idempotency.abandon(claim).catch((err: unknown) =>
        // The database may be what failed: the claim then stays until its lease runs out.
        services.logger.warn({ err, requestId: ctx.state.requestId }, 'could not release an Idempotency-Key claim'),
      );

    const work = next();
    let finished: boolean;
    try {
      finished = await settlesWithin(work, limits.requestTimeoutMs);
    } catch (err) {
      await release();
      throw err;
    }
    if (!finished) {
      // The work goes on and may still commit with its answer; the claim stays with it (no release),
      // so a retry is replayed, refused or, after the lease, takes over.
      work.catch((err: unknown) => services.logger.warn({ err, requestId: ctx.state.requestId }, 'request failed after its timeout'));
      throw unavailable('request_timeout', 'the request did not finish in time; retry it with the same Idempotency-Key',
        Math.ceil((limits.leaseMs - limits.requestTimeoutMs) / 1000));
    }
    if (ctx.status >= 200 && ctx.status < 300) {
      // Also after a handler stored the answer in its transaction: that transaction may have been
      // rolled back after all (a concurrent publish of the same event won), and then nothing matches.
      const kept = await services.idempotency.complete(claim, ctx.status, ctx.body);
      if (!kept && !storedInWork) {
        services.logger.warn({ requestId: ctx.state.requestId, route }, 'an Idempotency-Key claim was taken over before its answer was stored');
      }
    } else {
      await release();
    }
  };
}

/** Resolves true when `work` resolves within `ms`, false when it has not; rejects when it rejects first. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
