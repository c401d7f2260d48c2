import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { errorBody } from '../src/services/errors.js';

const ANSWERS: Record<string, { status: number; reason: string; type: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    type: 'request_header_fields_too_large',
    message: 'the request headers exceed 16 KiB',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', type: 'request_timeout', message: 'the request took too long to arrive' },
};
const MALFORMED = { status: 400, reason: 'Bad Request', type: 'bad_request', message: 'malformed HTTP request' };

/**
 * Answers what Node's HTTP parser refuses before Koa sees a request (headers over 16 KiB, a
 * malformed request line) in the API's one error shape, with an `X-Request-Id`, then closes.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = ANSWERS[err.code ?? ''] ?? MALFORMED;
  const requestId = `req_${randomUUID().replace(/-/g, '')}`;
  const body = JSON.stringify(errorBody(answer.type, answer.message, requestId));
  socket.end(
    `HTTP/1.1 ${answer.status} ${answer.reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
