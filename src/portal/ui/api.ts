// The portal API client: every call carries the portal token; an error answer becomes an ApiError
// with the API's type, message and field details. A 401 ends the session for the whole page.
import type { ErrorDetail } from './types.ts';

export const API_BASE = '/portal/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly detail: ErrorDetail[] = [],
    readonly requestId?: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined | null>;

export interface Client {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
}

/**
 * A client for one token. `onUnauthorized` is told of the first 401 (expired, revoked or unknown
 * token); after it every call fails at once without reaching the network.
 */
export function createClient(token: string, onUnauthorized: (error: ApiError) => void): Client {
  let ended: ApiError | null = null;

  async function call<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    if (ended) throw ended;
    const url = new URL(API_BASE + path, location.origin);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
    } catch {
      throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
    }
    const text = await response.text();
    const json = text ? safeJson(text) : undefined;
    if (response.ok) return json as T;
    const error = toApiError(response.status, json);
    if (response.status === 401 && !ended) {
      ended = error;
      onUnauthorized(error);
    }
    throw error;
  }

  return {
    get: (path, query) => call('GET', path, query),
    post: (path, body) => call('POST', path, undefined, body ?? {}),
    patch: (path, body) => call('PATCH', path, undefined, body),
    del: (path) => call('DELETE', path),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(status: number, json: unknown): ApiError {
  const error = (json as { error?: { type?: string; message?: string; detail?: ErrorDetail[]; request_id?: string } } | undefined)?.error;
  const message = error?.message ?? `The server answered ${status}.`;
  return new ApiError(status, error?.type ?? 'http_error', message, Array.isArray(error?.detail) ? error.detail : [], error?.request_id);
}

/** The message to show for an error, with the request id that support can look up. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Not allowed: ${error.message}`;
    return error.requestId && error.status >= 500 ? `${error.message} (request ${error.requestId})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Field errors of a 422 keyed by the body field they name (`detail[].loc` = ["body", field, …]). */
export function fieldErrors(error: unknown): Record<string, string> {
  const byField: Record<string, string> = {};
  if (!(error instanceof ApiError)) return byField;
  for (const d of error.detail) {
    const [part, field] = d.loc;
    if (part === 'body' && typeof field === 'string' && !byField[field]) byField[field] = d.msg;
  }
  return byField;
}
