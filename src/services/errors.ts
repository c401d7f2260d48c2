import type { z } from 'zod';

/** One item of a 422 body: where the problem is, what it is. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Where in a request a problem is: the first item of every 422 location. */
export type RequestPart = 'body' | 'query' | 'params';

/**
 * A failure with a place in the API's error shape. Services throw these; the API maps them.
 * `retryAfterSeconds` becomes a `Retry-After` header: the failure is temporary.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly detail?: ValidationIssue[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const invalid = (message: string, detail: ValidationIssue[], type = 'validation_error') =>
  new AppError(422, type, message, detail);
export const conflict = (message: string, type = 'conflict') => new AppError(409, type, message);
export const unauthorized = (message = 'missing or invalid API key') => new AppError(401, 'unauthorized', message);
export const forbidden = (scope: string) => new AppError(403, 'forbidden', `this route needs the "${scope}" scope`);

/** The one error shape of the API. */
export function errorBody(type: string, message: string, requestId: string, detail?: unknown[]) {
  return { error: { type, message, request_id: requestId, ...(detail && { detail }) } };
}

/** zod issues as 422 `detail` items, `loc` starting with the part of the request. */
export function toValidationIssues(part: RequestPart, error: z.ZodError): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const base: (string | number)[] = [part, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ loc: [...base, key], msg: 'unknown field', type: 'extra_forbidden' });
    } else {
      out.push({ loc: base, msg: issue.message, type: issue.code });
    }
  }
  return out;
}

