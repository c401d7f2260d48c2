import { request, type IncomingHttpHeaders } from 'node:http';

/** A request as it goes on the wire: the path is sent exactly as given (no dot-segment resolution). */
export interface RawRequest {
  method: string;
  /** Path and query, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of a `Content-Length`. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One HTTP/1.1 exchange over a fresh connection, for what `fetch` will not send (TRACE, raw paths,
 * bodies without a content type). Fails when no answer arrives within `timeoutMs` or the
 * connection drops before one does: the API should answer every request.
 */
export function exchange(baseUrl: string, req: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string> = { ...req.headers };
  if (req.body && !req.chunked) headers['content-length'] = String(req.body.length);
  if (req.chunked) headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request({ host: hostname, port, path: req.path, method: req.method, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', (err) => {
      // The server may stop reading a refused body (413) and close: the answer counts, not the write.
      if (!answered) reject(err);
    });
    if (req.body) {
      if (req.chunked) {
        // Several chunks, so the server sees a body arrive in pieces.
        const size = Math.max(1, Math.ceil(req.body.length / 4));
        for (let i = 0; i < req.body.length; i += size) outgoing.write(req.body.subarray(i, i + size));
      } else {
        outgoing.write(req.body);
      }
    }
    outgoing.end();
  });
}
