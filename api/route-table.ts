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
  /** Scope the caller needs; `null` for routes without authentication or scopes. */
  scope: Scope | null;
  /**
   * The bearer token the route takes (its OpenAPI security scheme): by default an API key or JWT
   * when it has a scope; `portalToken` for the portal's routes, authenticated by their router.
   */
  security?: 'bearerAuth' | 'portalToken';
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

/**
 * How a table's routes appear in another table's document when they are served a second time
 * under another prefix with another token (the portal's copy of the webhooks routes).
 */
export interface MirrorOptions {
  /** The table whose document lists the copies. */
  documentIn: RouteTable;
  /** Replaces the start of each route's full path (`/manage/v1/webhooks` → `/portal/v1/webhooks`). */
  from: string;
  to: string;
  /** Prefixes each operationId (`listEndpoints` → `portalListEndpoints`). */
  operationPrefix: string;
  tag: string;
  security: 'portalToken';
}

/** Declares one route on a router (see {@link RouteTable.on}); route files of a resource folder take it. */
export type Route = ReturnType<RouteTable['on']>;

/**
 * Every route is declared once, here: the declaration registers the Koa handler (with its scope,
 * idempotency and validation middleware) and is the source of the OpenAPI document.
 */
export class RouteTable {
  readonly routes: RegisteredRoute[] = [];

  constructor(
    private readonly limits: IdempotencyLimits,
    private readonly mirror?: MirrorOptions,
  ) {}

  /** Records a declaration: in this table's document, or as a copy in the mirrored table's. */
  private register(route: RegisteredRoute): void {
    if (!this.mirror) {
      this.routes.push(route);
      return;
    }
    const { documentIn, from, to, operationPrefix, tag, security } = this.mirror;
    if (!route.fullPath.startsWith(from)) throw new Error(`${route.fullPath} is not under ${from}`);
    const operationId = operationPrefix + route.operationId[0]!.toUpperCase() + route.operationId.slice(1);
    documentIn.routes.push({ ...route, fullPath: to + route.fullPath.slice(from.length), operationId, tag, security });
  }

  /** A function that adds routes to `router`, whose paths are served under `prefix` (for the document). */
  on(router: Router<AppState>, prefix: string) {
    return <B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodType<Record<string, never>>, P extends z.ZodType = z.ZodType<Record<string, string>>>(
      spec: RouteSpec<B, Q, P>,
      handler: (ctx: AppContext, input: Validated<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<void>,
    ) => {
      this.register({ ...(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>), fullPath: prefix + spec.path });
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
