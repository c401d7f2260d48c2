import type { ParameterizedContext } from 'koa';
import type { RouterContext } from '@koa/router';
import type { Actor } from '../src/services/actor.js';
import type { Services } from '../src/services/index.js';
import type { IdempotencyHandle } from './middleware/idempotency.js';

/** What the middleware puts on every request's state. */
export interface AppState {
  requestId: string;
  actor?: Actor;
  services: Services;
  /** The parsed JSON body, when the request had one. */
  body?: unknown;
  /** The Idempotency-Key claim this request holds, if it sent one. */
  idempotency?: IdempotencyHandle;
}

export type AppContext = ParameterizedContext<AppState> & RouterContext<AppState>;
