/** The bench's client of Hookline's REST API: one keep-alive undici Pool for setup and for load. */
import { Pool } from 'undici';

const WEBHOOKS = '/manage/v1/webhooks';
/** A publish slower than this is counted as failed: the run has no figure to give for it. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface ApiResponse {
  status: number;
  body: any;
}

export interface ApiClient {
  /** `headers` are sent besides authorization and content type (e.g. `idempotency-key`). */
  call(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** `connections` bounds the requests the API sees at once; more wait in the Pool's queue. */
export function apiClient(apiUrl: string, apiKey: string, connections: number): ApiClient {
  const pool = new Pool(apiUrl, { connections, keepAliveTimeout: 60_000, pipelining: 1 });
  const authorization = `Bearer ${apiKey}`;
  return {
    async call(method, path, body, headers = {}) {
      const res = await pool.request({
        method,
        path: `${WEBHOOKS}${path}`,
        headers: body === undefined ? { ...headers, authorization } : { ...headers, authorization, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: the text is the body.
      }
      return { status: res.statusCode, body: parsed };
    },
    close: () => pool.close(),
  };
}

/** Creates an endpoint subscribed to `eventType`; returns its id and signing secret. */
export async function createEndpoint(api: ApiClient, url: string, eventType: string): Promise<{ id: string; secret: string }> {
  const res = await api.call('POST', '/endpoints', { url, event_types: [eventType], name: `bench ${eventType}` });
  if (res.status !== 201 || typeof res.body?.signing_secret !== 'string') {
    throw new Error(`creating an endpoint for ${url}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return { id: res.body.id as string, secret: res.body.signing_secret as string };
}
