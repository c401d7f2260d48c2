import type { Server, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

/**
 * Graceful close for an HTTP server: `close(limitMs)` stops accepting connections at once, lets
 * every request already received finish (its response says `Connection: close`, so keep-alive
 * clients do not send another on that socket), closes idle keep-alive sockets, and resolves once
 * the last request is done. Requests still running after `limitMs` are cut off.
 */
export function gracefulCloser(server: Server, logger: Logger): (limitMs: number) => Promise<void> {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  server.on('request', (_req, res: ServerResponse) => {
    if (closing) res.shouldKeepAlive = false;
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  return async (limitMs) => {
    closing = true;
    for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight.size > 0) logger.info({ requests: inFlight.size }, 'waiting for in-flight requests');
    const force = setTimeout(() => {
      logger.warn({ requests: inFlight.size, limitMs }, 'requests still running at the shutdown limit: closing their connections');
      server.closeAllConnections();
    }, limitMs);
    try {
      await closed;
    } finally {
      clearTimeout(force);
    }
  };
}
