import { describe, expect, it } from 'vitest';
import type { SendResult } from '../../src/delivery/http-sender.js';
import { attemptObserver, createMetrics } from '../../src/metrics.js';

const answered: SendResult = { status: 200, headers: {}, body: '', durationMs: 120, error: null, errorCode: null };
const request = { url: 'http://127.0.0.1:9/', headers: {}, body: '{}', timeoutMs: 1000 };

async function attemptsCounted(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  const { values } = await metrics.attemptDuration.get();
  return values.filter((v) => v.metricName === 'hookline_delivery_attempt_duration_seconds_count').reduce((n, v) => n + v.value, 0);
}

describe('the attempt latency observer', () => {
  it('counts the sends its caller calls delivery attempts, and leaves handshakes and untold sends out', async () => {
    const metrics = createMetrics();
    const observe = attemptObserver(metrics);
    observe(answered, { ...request, kind: 'handshake' });
    observe(answered, request);
    expect(await attemptsCounted(metrics)).toBe(0);
    observe(answered, { ...request, kind: 'attempt' });
    observe({ ...answered, status: null, error: 'timed out after 1000 ms', errorCode: 'timeout' }, { ...request, kind: 'attempt' });
    expect(await attemptsCounted(metrics)).toBe(2);
  });
});
