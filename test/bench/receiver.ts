/**
 * The loopback webhook receiver: records every receipt of every (webhook-id, path) pair on the
 * bench's clock (performance.now(), the clock events are scheduled on) and verifies every Standard
 * Webhooks signature. A path can be made to answer 500, for deliveries that must wait out a backoff,
 * or to answer late, so requests are in flight when a sender dies; the receiver can stop listening
 * (connections refused) and listen again on the same port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signPayload } from '../../src/delivery/signing.js';

export interface Receipt {
  /** performance.now() when the first body was complete. */
  at: number;
  count: number;
  /** performance.now() of every receipt, the first included. */
  times: number[];
}

/** A request whose sender closed the connection before the answer was written. */
export interface Abandoned {
  webhookId: string;
  path: string;
  /** performance.now() when the connection closed. */
  at: number;
}

export interface ReceiverStats {
  requests: number;
  badSignatures: number;
  unknownPaths: number;
  /** 500s answered on failing paths. */
  failedAnswers: number;
}

export interface Receiver {
  base: string;
  stats: ReceiverStats;
  /** Registers a path and the secret its requests are signed with. */
  addPath(path: string, secret: string, options?: PathOptions): void;
  receipt(webhookId: string, path: string): Receipt | undefined;
  /** Requests abandoned by their sender, in the order their connections closed. */
  abandoned(): readonly Abandoned[];
  /** Closes the listening socket and every connection: new connections are refused. */
  stopListening(): Promise<void>;
  /** Listens again on the same port. */
  listenAgain(): Promise<void>;
  close(): Promise<void>;
}

export interface PathOptions {
  /** Answer 500 to everything. */
  failing?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

const key = (webhookId: string, path: string) => `${webhookId} ${path}`;

export async function startReceiver(): Promise<Receiver> {
  const receipts = new Map<string, Receipt>();
  const paths = new Map<string, { secret: string; failing: boolean; delayMs: number }>();
  const abandoned: Abandoned[] = [];
  const stats: ReceiverStats = { requests: 0, badSignatures: 0, unknownPaths: 0, failedAnswers: 0 };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      stats.requests++;
      const path = req.url ?? '';
      const target = paths.get(path);
      if (!target) {
        stats.unknownPaths++;
        res.writeHead(404).end();
        return;
      }
      const id = String(req.headers['webhook-id'] ?? '');
      const timestamp = Number(req.headers['webhook-timestamp']);
      const signatures = String(req.headers['webhook-signature'] ?? '').split(' ');
      const body = Buffer.concat(chunks).toString('utf8');
      if (!signatures.includes(signPayload(target.secret, id, timestamp, body))) stats.badSignatures++;
      if (target.failing) {
        stats.failedAnswers++;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('failing on purpose');
        return;
      }
      const seen = receipts.get(key(id, path));
      if (seen) {
        seen.count++;
        seen.times.push(at);
      } else receipts.set(key(id, path), { at, count: 1, times: [at] });
      const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      if (target.delayMs <= 0) {
        answer();
        return;
      }
      const timer = setTimeout(answer, target.delayMs);
      res.once('close', () => {
        if (res.writableFinished) return;
        clearTimeout(timer);
        abandoned.push({ webhookId: id, path, at: performance.now() });
      });
    });
  });
  // Senders keep their connections: the receiver must not be the one closing them mid-run.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stopListening = async () => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };

  return {
    base: `http://127.0.0.1:${port}`,
    stats,
    addPath(path, secret, options = {}) {
      paths.set(path, { secret, failing: options.failing ?? false, delayMs: options.delayMs ?? 0 });
    },
    receipt: (webhookId, path) => receipts.get(key(webhookId, path)),
    abandoned: () => abandoned,
    stopListening,
    listenAgain: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: stopListening,
  };
}
