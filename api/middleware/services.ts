import type { Next } from 'koa';
import type { createServices } from '../../src/services/index.js';
import type { AppContext } from '../context.js';

/** Puts the services of this request, over a fresh EntityManager fork, on its state. */
export function requestServices(services: ReturnType<typeof createServices>) {
  return async (ctx: AppContext, next: Next) => {
    ctx.state.services = services();
    await next();
  };
}
