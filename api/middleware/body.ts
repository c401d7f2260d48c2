import type { Context, Next } from 'koa';
import { badRequest, payloadTooLarge, unsupportedMediaType } from '../../src/services/errors.js';

/**
 * Reads a JSON body with a size limit: 413 above it, 415 for another content type, 400 for
 * malformed JSON. Requests without a body leave `ctx.state.body` undefined.
 */
export function jsonBody(limitBytes: number) {
  return async (ctx: Context, next: Next) => {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method)) return next();
    const length = Number(ctx.get('content-length') || '0');
    const chunked = ctx.get('transfer-encoding') !== '';
    if (!chunked && length === 0) return next();
    if (length > limitBytes) throw payloadTooLarge(limitBytes);
    if (!ctx.is('application/json', '+json')) {
      throw unsupportedMediaType();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) {
        // Stop reading and close after the answer: destroying the socket now would lose the 413.
        ctx.req.pause();
        ctx.set('Connection', 'close');
        throw payloadTooLarge(limitBytes);
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return next();
    try {
      ctx.state.body = JSON.parse(text);
    } catch {
      throw badRequest('malformed_json', 'the request body is not valid JSON');
    }
    return next();
  };
}
