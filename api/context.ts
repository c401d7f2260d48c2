import type { ParameterizedContext } from 'koa';
import type { RouterContext } from '@koa/router';
import type { Actor } from '../src/services/actor.js';
import type { Services } from '../src/services/index.js';
import type { IdempotencyHandle } from './middleware/idempotency.js';
import type { PortalSession } from '../src/db/entities/index.js';

/** What the middleware puts on every request's state. */
export interface AppState {
  requestId: string;
  actor?: Actor;
  services: Services;
  /** The parsed JSON body, when the request had one. */
  body?: unknown;
  /** The Idempotency-Key claim this request holds, if it sent one. */
  idempotency?: IdempotencyHandle;
  /** The portal session behind the request's token, on the portal's routes. */
  portalSession?: PortalSession;
}

export type AppContext = ParameterizedContext<AppState> & RouterContext<AppState>;
