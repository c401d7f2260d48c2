import type { Router } from '@koa/router';
import type { z } from 'zod';
import type { Scope } from '../src/db/entities/index.js';
import type { IdKind } from '../src/ids.js';
import type { AppContext, AppState } from './context.js';
import { requireScope } from './middleware/auth.js';
import { idempotent, type IdempotencyLimits } from './middleware/idempotency.js';
import { safeInput, validated, type Validated } from './middleware/validate.js';

/** Every authenticated route lives under this prefix. */
export const MANAGE_PREFIX = '/manage/v1';
/** The webhooks resources, relative to MANAGE_PREFIX (route modules' routers use it as their prefix). */
export const WEBHOOKS_PREFIX = '/webhooks';
export const WEBHOOKS_BASE = MANAGE_PREFIX + WEBHOOKS_PREFIX;

export type Method = 'get' | 'post' | 'patch' | 'delete';

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  method: Method;
  /** Koa path relative to the mount prefix, e.g. `/endpoints/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Scope the caller needs; `null` for routes without authentication. */
  scope: Scope | null;
  body?: B;
  query?: Q;
  params?: P;
  /** Success responses by status; errors are documented for every route. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /**
   * Honours `Idempotency-Key` (every creating POST). `reserves` names the kind of id the claim
   * reserves for what the request creates, so a retry taking over from a request that died finds it.
   */
  idempotent?: boolean | { reserves: IdKind };
}

export interface RegisteredRoute extends RouteSpec<z.ZodType, z.ZodType, z.ZodType> {
  /** Full path, e.g. `/manage/v1/webhooks/endpoints/:id`. */
  fullPath: string;
}

/** Declares one route on a router (see {@link RouteTable.on}); route files of a resource folder take it. */
export type Route = ReturnType<RouteTable['on']>;

/**
 * Every route is declared once, here: the declaration registers the Koa handler (with its scope,
 * idempotency and validation middleware) and is the source of the OpenAPI document.
 */
export class RouteTable {
  readonly routes: RegisteredRoute[] = [];

  constructor(private readonly limits: IdempotencyLimits) {}

  /** A function that adds routes to `router`, whose paths are served under `prefix` (for the document). */
  on(router: Router<AppState>, prefix: string) {
    return <B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodType<Record<string, never>>, P extends z.ZodType = z.ZodType<Record<string, string>>>(
      spec: RouteSpec<B, Q, P>,
      handler: (ctx: AppContext, input: Validated<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<void>,
    ) => {
      this.routes.push({ ...(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>), fullPath: prefix + spec.path });
      const middleware = [
        ...(spec.scope ? [requireScope(spec.scope)] : []),
        safeInput,
        ...(spec.idempotent
          ? [idempotent(spec.operationId, this.limits, typeof spec.idempotent === 'object' ? spec.idempotent.reserves : undefined)]
          : []),
        validated({ body: spec.body, query: spec.query, params: spec.params }, handler),
      ];
      (router[spec.method] as (path: string, ...mw: unknown[]) => unknown).call(router, spec.path, ...middleware);
    };
  }
}
