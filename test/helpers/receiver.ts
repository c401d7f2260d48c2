import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the request open this long before answering. */
  delayMs?: number;
  /** Never answer. */
  hang?: boolean;
}

export interface Receiver {
  url: string;
  /** Webhook deliveries (verification handshakes are kept apart, in `challenges`). */
  requests: ReceivedRequest[];
  /** URL-ownership handshakes (`{"type": "webhook.verification", "challenge": …}`). */
  challenges: ReceivedRequest[];
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** How to answer verification handshakes; by default the challenge is echoed. */
  verification?: (req: ReceivedRequest, challenge: string) => Reply;
}

function challengeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { type?: unknown; challenge?: unknown };
    return parsed.type === 'webhook.verification' && typeof parsed.challenge === 'string' ? parsed.challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A real HTTP receiver on loopback. `reply` decides each answer from the request number (0-based).
 */
export async function startReceiver(
  reply: (index: number, req: ReceivedRequest) => Reply = () => ({ status: 200 }),
  options: ReceiverOptions = {},
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const challenges: ReceivedRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const challenge = challengeOf(received.body);
      let r: Reply;
      if (challenge !== undefined) {
        challenges.push(received);
        r = options.verification
          ? options.verification(received, challenge)
          : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ challenge }) };
      } else {
        const index = requests.length;
        requests.push(received);
        r = reply(index, received);
      }
      if (r.hang) {
        open.add(res);
        return;
      }
      const send = () => {
        res.writeHead(r.status ?? 200, { 'content-type': 'text/plain', ...r.headers });
        res.end(r.body ?? 'ok');
      };
      if (r.delayMs) {
        open.add(res);
        setTimeout(() => {
          open.delete(res);
          if (!res.destroyed) send();
        }, r.delayMs);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    challenges,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  what: string | (() => string) = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The receivers of one test file: `start` them as needed and `closeAll` in `afterAll`. */
export function receiverPool() {
  const open: Receiver[] = [];
  return {
    async start(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
      const receiver = await startReceiver(...args);
      open.push(receiver);
      return receiver;
    },
    closeAll: async () => {
      await Promise.all(open.splice(0).map((r) => r.close()));
    },
  };
}
