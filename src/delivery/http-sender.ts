import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import { parseIP } from './ip-address.js';
import type { SendErrorCode } from './send-error.js';

/** The sends observers tell apart (see `SendRequest.kind`). */
export type SendKind = 'attempt' | 'handshake';

/** Response bodies are read up to this many bytes; the rest is discarded. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /**
   * What the request is, told to observers by the caller that knows it: a delivery attempt, or an
   * endpoint's verification handshake. Unset for other calls (tools, tests).
   */
  kind?: SendKind;
}

export interface SendResult {
  status: number | null;
  headers: Record<string, string>;
  body: string | null;
  durationMs: number;
  /** What went wrong, for people; null when the receiver answered. */
  error: string | null;
  /** What went wrong, for code; null when the receiver answered. */
  errorCode: SendErrorCode | null;
}

/** Told of every finished send (success or failure); must not throw. */
export type SendObserver = (result: SendResult, request: SendRequest) => void;

/** Thrown by the checked lookup, so the connection is never made. */
class BlockedTargetError extends Error {}

/**
 * A DNS lookup that resolves every address of a host and refuses the call when any of them is
 * not allowed. The socket then connects to the address that was checked, so a second, different
 * DNS answer (rebinding) can never be used.
 */
function checkedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.map((a) => policy.refusal(a.address)).find((r) => r !== undefined);
      if (refused) return callback(new BlockedTargetError(`${hostname} resolves to ${refused.address}, which is refused (${refused.reason})`), '', 0);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** Sends webhook requests: no redirects, a hard timeout, a capped body read, SSRF checks. */
export class HttpSender {
  private readonly agent: Agent;

  /** @param observer told of every send's result, e.g. to record attempt latency */
  constructor(
    private readonly policy: AddressPolicy,
    private readonly observer?: SendObserver,
  ) {
    this.agent = new Agent({
      connect: { lookup: checkedLookup(policy), timeout: 10_000 },
      keepAliveTimeout: 10_000,
      connections: 256,
    });
  }

  /** POSTs once. Never throws for HTTP or network failures: they come back in the result. */
  async send(req: SendRequest): Promise<SendResult> {
    const result = await this.post(req);
    try {
      this.observer?.(result, req);
    } catch {
      // Observing is best effort: it never changes what the caller gets.
    }
    return result;
  }

  private async post(req: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const fail = (errorCode: SendErrorCode, error: string): SendResult => ({
      status: null,
      headers: {},
      body: null,
      durationMs: elapsed(),
      error,
      errorCode,
    });

    const url = URL.parse(req.url);
    if (!url) return fail('invalid_url', 'invalid URL');
    // A literal address is never looked up, so it is judged here; names are judged by the lookup.
    if (parseIP(url.hostname)) {
      const refused = this.policy.refusal(url.hostname);
      if (refused) return fail('blocked_address', `the address ${url.hostname} is refused (${refused.reason})`);
    }

    const signal = AbortSignal.timeout(req.timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent,
        signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const body = await readCapped(res.body, MAX_RESPONSE_BYTES);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: res.statusCode, headers, body, durationMs: elapsed(), error: null, errorCode: null };
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
      const timedOut =
        signal.aborted || e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
      if (timedOut) return fail('timeout', `timed out after ${req.timeoutMs} ms`);
      const blocked = e instanceof BlockedTargetError ? e : e.cause instanceof BlockedTargetError ? e.cause : undefined;
      if (blocked) return fail('blocked_address', blocked.message);
      return fail('connection_failed', describeNetworkError(e));
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function readCapped(stream: AsyncIterable<Buffer> & { destroy(): void }, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const room = cap - size;
    if (room <= 0) break;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    size += Math.min(chunk.length, room);
    if (size >= cap) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).toString('utf8');
}

function describeNetworkError(e: Error & { code?: string; cause?: { code?: string; message?: string } }): string {
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message;
  return code ? `${code}: ${message}` : message;
}
