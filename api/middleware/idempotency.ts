import type { Next } from 'koa';
import { AppError } from '../../src/services/errors.js';
import { beginIdempotent, completeIdempotent, abandonIdempotent } from '../../src/services/idempotency.js';
import type { AppContext } from '../context.js';

/**
 * `Idempotency-Key` for a creating POST: the first response is stored for 24 h and replayed
 * (with `Idempotent-Replayed: true`) to a retry with the same body; a different body is a 422,
 * and a retry while the first request is still running is a 409.
 */
export function idempotent(route: string) {
  return async (ctx: AppContext, next: Next) => {
    const key = ctx.get('idempotency-key');
    if (!key) return next();
    if (key.length > 255) throw new AppError(400, 'bad_request', 'Idempotency-Key is limited to 255 characters');
    const actor = ctx.state.actor!;
    // The path (with its ids) is part of the scope: one key on two endpoints is two requests.
    const scope = `${route} ${ctx.path}`.slice(0, 200);
    const begun = await beginIdempotent(ctx.state.services.em.fork(), ctx.state.services.secretBox, actor, scope, key, ctx.state.body ?? null);
    if (begun.kind === 'replay') {
      ctx.status = begun.status;
      ctx.body = begun.body;
      ctx.set('Idempotent-Replayed', 'true');
      return;
    }
    try {
      await next();
    } catch (err) {
      await abandonIdempotent(ctx.state.services.em.fork(), begun.recordId);
      throw err;
    }
    if (ctx.status >= 200 && ctx.status < 300) {
      await completeIdempotent(ctx.state.services.em.fork(), ctx.state.services.secretBox, begun.recordId, ctx.status, ctx.body);
    } else {
      await abandonIdempotent(ctx.state.services.em.fork(), begun.recordId);
    }
  };
}
