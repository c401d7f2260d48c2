/** One item of a 422 body: where the problem is, what it is. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

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
