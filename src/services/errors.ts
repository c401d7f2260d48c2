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

// One helper per kind of failure, so every status and error type is spelled in one place.

/** 404: `what` does not exist for this caller (another tenant's resource does not either). */
export const notFound = (what: string, message = `${what} not found`) => new AppError(404, 'not_found', message);
/** 422 with the problems located in `detail`. */
export const invalid = (message: string, detail: ValidationIssue[], type = 'validation_error') => new AppError(422, type, message, detail);
/** 422 of one field: `loc` names it (`["body", "url"]`), `msg` says what is wrong with it. */
export const validationError = (loc: ValidationIssue['loc'], msg: string, type: string, message = msg) => invalid(message, [{ loc, msg, type }]);
/** 422 for a request that is well formed but cannot be done in the resource's state (`delivery_in_flight`). */
export const unprocessable = (type: string, message: string) => new AppError(422, type, message);
/** 409: the resource is taken or busy; `retryAfterSeconds` when trying again later will do. */
export const conflict = (type: string, message: string, retryAfterSeconds?: number) => new AppError(409, type, message, undefined, retryAfterSeconds);
export const unauthorized = (message = 'missing or invalid API key') => new AppError(401, 'unauthorized', message);
/** 403: the caller may not do this (see {@link missingScope} for a route's scope). */
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const missingScope = (scope: string) => forbidden(`this route needs the "${scope}" scope`);
/** 400 for a request Hookline cannot read (`malformed_json`, an oversized header value). */
export const badRequest = (type: string, message: string) => new AppError(400, type, message);
export const payloadTooLarge = (limitBytes: number) => new AppError(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes`);
export const unsupportedMediaType = () => new AppError(415, 'unsupported_media_type', 'send the body as application/json');
/** 503: try again after `retryAfterSeconds`. */
export const unavailable = (type: string, message: string, retryAfterSeconds: number) => new AppError(503, type, message, undefined, retryAfterSeconds);
/** 500 with a message for the operator (the CLI), never a stack. */
export const failed = (type: string, message: string) => new AppError(500, type, message);
/** 422 for an event type that is not in the catalogue, at `loc`. */
export const unknownEventType = (loc: ValidationIssue['loc'], type: string) =>
  validationError(loc, `"${type}" is not in the event-type catalogue`, 'value_error.event_type', 'unknown event type');

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
      // A schema's own check may name its error type (`params.type`), as a service's would.
      const named = issue.code === 'custom' && typeof issue.params?.type === 'string' ? issue.params.type : undefined;
      out.push({ loc: base, msg: issue.message, type: named ?? issue.code });
    }
  }
  return out;
}

