/**
 * The loopback webhook receiver: records the first receipt of every (webhook-id, path) pair on the
 * bench's clock (performance.now(), the clock events are scheduled on) and verifies every Standard
 * Webhooks signature. A path can be made to answer 500, for deliveries that must wait out a backoff.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signPayload } from '../../src/delivery/signing.js';

export interface Receipt {
  /** performance.now() when the body was complete. */
  at: number;
  count: number;
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
  addPath(path: string, secret: string, options?: { failing?: boolean }): void;
  receipt(webhookId: string, path: string): Receipt | undefined;
  close(): Promise<void>;
}

const key = (webhookId: string, path: string) => `${webhookId} ${path}`;

export async function startReceiver(): Promise<Receiver> {
  const receipts = new Map<string, Receipt>();
  const paths = new Map<string, { secret: string; failing: boolean }>();
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
      if (seen) seen.count++;
      else receipts.set(key(id, path), { at, count: 1 });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  // Senders keep their connections: the receiver must not be the one closing them mid-run.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    base: `http://127.0.0.1:${port}`,
    stats,
    addPath(path, secret, options = {}) {
      paths.set(path, { secret, failing: options.failing ?? false });
    },
    receipt: (webhookId, path) => receipts.get(key(webhookId, path)),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
