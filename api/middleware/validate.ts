import type { Next } from 'koa';
import type { z } from 'zod';
import { invalid, toValidationIssues, type RequestPart } from '../../src/services/errors.js';
import type { AppContext } from '../context.js';
import { findUnsafeInput } from '../../src/validation/input-safety.js';

type Part = RequestPart;

/** Parses one part of the request with a zod schema, or throws a 422. */
export function parsePart<S extends z.ZodType>(part: Part, schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (!result.success) throw invalid('request validation failed', toValidationIssues(part, result.error));
  return result.data;
}

/**
 * Refuses, with a 422 at its location, what no later step may see: a NUL or a lone surrogate
 * (PostgreSQL stores neither) and JSON nested deep enough to overflow a recursive walk. It runs
 * before the route's other middleware, so that idempotency (which hashes and stores the body) and
 * the schemas only ever get safe input.
 */
export async function safeInput(ctx: AppContext, next: Next) {
  for (const [part, value] of [['params', ctx.params], ['query', ctx.query], ['body', ctx.state.body]] as const) refuseUnsafe(part, value);
  await next();
}

/** Throws the 422 of `safeInput` when `value`, one part of the request, holds unsafe input. */
export function refuseUnsafe(part: Part, value: unknown): void {
  const unsafe = findUnsafeInput(value);
  if (unsafe) throw invalid('request validation failed', [{ loc: [part, ...unsafe.path], msg: unsafe.msg, type: unsafe.type }]);
}

export interface Validated<B, Q, P> {
  body: B;
  query: Q;
  params: P;
}

/**
 * Validates body, query and path parameters (after `safeInput`), then calls the handler with the
 * parsed values; handlers never touch the raw request.
 */
export function validated<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodType<Record<string, never>>,
  P extends z.ZodType = z.ZodType<Record<string, string>>,
>(
  schemas: { body?: B; query?: Q; params?: P },
  handler: (ctx: AppContext, input: Validated<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<void>,
) {
  return async (ctx: AppContext, _next: Next) => {
    const input = {
      body: schemas.body ? parsePart('body', schemas.body, ctx.state.body) : undefined,
      query: schemas.query ? parsePart('query', schemas.query, ctx.query) : {},
      params: schemas.params ? parsePart('params', schemas.params, ctx.params) : ctx.params,
    } as Validated<z.infer<B>, z.infer<Q>, z.infer<P>>;
    await handler(ctx, input);
  };
}
