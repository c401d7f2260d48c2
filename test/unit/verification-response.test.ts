import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { judgeChallengeResponse } from '../../activities/verification.js';
import { HttpSender } from '../../src/delivery/http-sender.js';
import { AddressPolicy } from '../../src/delivery/address-policy.js';
import type { SendErrorCode } from '../../src/delivery/send-error.js';

const challenge = '0123456789abcdef0123456789abcdef';
const answer = (status: number | null, body: string | null, extra: { error?: string; errorCode?: SendErrorCode } = {}) => ({
  status,
  body,
  error: extra.error ?? null,
  errorCode: extra.errorCode ?? (status === null ? 'connection_failed' : null),
});

describe('judging the answer to a verification challenge', () => {
  it('verifies a 2xx JSON answer that echoes the challenge', () => {
    expect(judgeChallengeResponse(answer(200, JSON.stringify({ challenge })), challenge)).toEqual({ verified: true });
    expect(judgeChallengeResponse(answer(204, JSON.stringify({ challenge, ok: 1 })), challenge)).toEqual({ verified: true });
  });

  it('names why an answer does not verify', () => {
    const reason = (a: ReturnType<typeof answer>) => judgeChallengeResponse(a, challenge).reason;
    expect(reason(answer(200, JSON.stringify({ challenge: 'other' })))).toBe('challenge_mismatch');
    expect(reason(answer(200, JSON.stringify({ challenge: challenge.toUpperCase() })))).toBe('challenge_mismatch');
    expect(reason(answer(200, JSON.stringify([challenge])))).toBe('challenge_mismatch');
    expect(reason(answer(200, 'null'))).toBe('challenge_mismatch');
    expect(reason(answer(200, challenge))).toBe('invalid_json');
    expect(reason(answer(200, ''))).toBe('invalid_json');
    expect(reason(answer(500, JSON.stringify({ challenge })))).toBe('http_status_500');
    expect(reason(answer(302, ''))).toBe('http_status_302');
    expect(reason(answer(null, null, { error: 'timed out after 2000 ms', errorCode: 'timeout' }))).toBe('timeout');
    expect(reason(answer(null, null, { error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9' }))).toBe(
      'connection_failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(reason(answer(null, null, { error: 'x'.repeat(1000) }))!.length).toBeLessThanOrEqual(200);
  });

  it('reports a target the SSRF policy refuses as blocked_target', async () => {
    // A real receiver that would echo, so only the policy can stop the handshake.
    const server = createServer((_req, res) => res.end(JSON.stringify({ challenge })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sender = new HttpSender(new AddressPolicy({ allowPrivate: false }));
    try {
      for (const url of [`http://127.0.0.1:${port}/hook`, `http://localhost:${port}/hook`]) {
        const result = await sender.send({ url, headers: {}, body: '{}', timeoutMs: 2000 });
        expect(judgeChallengeResponse(result, challenge)).toEqual({ verified: false, reason: 'blocked_target' });
      }
      const allowed = new HttpSender(new AddressPolicy({ allowPrivate: true }));
      const result = await allowed.send({ url: `http://127.0.0.1:${port}/hook`, headers: {}, body: '{}', timeoutMs: 2000 });
      await allowed.close();
      expect(judgeChallengeResponse(result, challenge)).toEqual({ verified: true });
    } finally {
      await sender.close();
      server.close();
    }
  });
});
