import { useEffect, useState } from 'preact/hooks';
import { usePortal } from '../context.ts';
import { DELIVERY_STATUS_LABELS, formatMs, formatPercent, formatTime } from '../format.ts';
import type { DeliveryStatus, EndpointStats } from '../types.ts';
import { ErrorMessage, Loading } from './common.tsx';

const WINDOWS = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
];

/** `GET /endpoints/{id}/stats` over a chosen window, as figures and a small chart. */
export function StatsPanel({ endpointId, refreshKey = 0 }: { endpointId: string; refreshKey?: number }) {
  const { client } = usePortal();
  const [window, setWindow] = useState('24h');
  const [stats, setStats] = useState<EndpointStats | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setError(null);
    client.get<EndpointStats>(`/webhooks/endpoints/${encodeURIComponent(endpointId)}/stats`, { window }).then(setStats, setError);
  }, [endpointId, window, refreshKey]);

  return (
    <section class="panel" aria-labelledby="stats-title" data-testid="stats">
      <div class="section-head">
        <h2 id="stats-title">Statistics</h2>
        <div class="field inline-field">
          <label for="stats-window">Window</label>
          <select id="stats-window" value={window} onChange={(e) => setWindow(e.currentTarget.value)}>
            {WINDOWS.map((w) => (
              <option key={w.value} value={w.value}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={error} />
      {!stats && !error && <Loading />}
      {stats && (
        <>
          <dl class="stat-figures">
            <div>
              <dt>Success rate</dt>
              <dd data-testid="success-rate">{formatPercent(stats.success_rate)}</dd>
            </div>
            <div>
              <dt>Deliveries</dt>
              <dd>{stats.total}</dd>
            </div>
            <div>
              <dt>Attempts</dt>
              <dd>{stats.attempts.count}</dd>
            </div>
            <div>
              <dt>Latency p50 / p95 / p99</dt>
              <dd>
                {formatMs(stats.attempts.latency_ms.p50)} / {formatMs(stats.attempts.latency_ms.p95)} / {formatMs(stats.attempts.latency_ms.p99)}
              </dd>
            </div>
            <div>
              <dt>Last success</dt>
              <dd>{formatTime(stats.last_success_at)}</dd>
            </div>
            <div>
              <dt>Last failure</dt>
              <dd>{formatTime(stats.last_failure_at)}</dd>
            </div>
          </dl>
          {stats.total === 0 ? <p class="muted">No deliveries in this window.</p> : <StatsChart stats={stats} />}
        </>
      )}
    </section>
  );
}

const STATUS_ORDER: DeliveryStatus[] = ['delivered', 'pending', 'failed', 'dead_letter'];
const WIDTH = 320;

/**
 * Two rows of bars: the window's deliveries split by outcome (the delivered share is the success
 * rate), and the attempt latency percentiles on a common scale. The figures above are the text
 * equivalent, so the SVG itself is one labelled image.
 */
function StatsChart({ stats }: { stats: EndpointStats }) {
  const total = STATUS_ORDER.reduce((sum, s) => sum + stats.counts[s], 0) || 1;
  let x = 0;
  const segments = STATUS_ORDER.filter((s) => stats.counts[s] > 0).map((s) => {
    const width = (stats.counts[s] / total) * WIDTH;
    const segment = { status: s, x, width };
    x += width;
    return segment;
  });
  const latencies = (['p50', 'p95', 'p99'] as const).map((p) => ({ p, ms: stats.attempts.latency_ms[p] }));
  const maxMs = Math.max(1, ...latencies.map((l) => l.ms ?? 0));
  const summary = `Success rate ${formatPercent(stats.success_rate)}; ${STATUS_ORDER.map((s) => `${DELIVERY_STATUS_LABELS[s]} ${stats.counts[s]}`).join(', ')}; latency p50 ${formatMs(latencies[0]!.ms)}, p95 ${formatMs(latencies[1]!.ms)}, p99 ${formatMs(latencies[2]!.ms)}`;

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH + 60} 150`} role="img" aria-label={summary} class="chart-svg">
        <text x="0" y="12" class="chart-label">
          Outcomes
        </text>
        {segments.map((s) => (
          <rect key={s.status} x={s.x} y="18" width={Math.max(s.width, 1)} height="22" class={`bar-${s.status}`}>
            <title>{`${DELIVERY_STATUS_LABELS[s.status]}: ${stats.counts[s.status]}`}</title>
          </rect>
        ))}
        <text x={WIDTH + 6} y="34" class="chart-value">
          {formatPercent(stats.success_rate)}
        </text>
        <text x="0" y="64" class="chart-label">
          Latency
        </text>
        {latencies.map((l, i) => {
          const y = 72 + i * 26;
          const width = l.ms === null ? 0 : Math.max((l.ms / maxMs) * (WIDTH - 40), 1);
          return (
            <g key={l.p}>
              <text x="0" y={y + 14} class="chart-axis">
                {l.p}
              </text>
              <rect x="40" y={y} width={width} height="18" class="bar-latency" />
              <text x={40 + width + 6} y={y + 14} class="chart-value">
                {formatMs(l.ms)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {STATUS_ORDER.map((s) => (
          <span key={s} class="legend-item">
            <span class={`swatch bar-${s}`} aria-hidden="true" />
            {DELIVERY_STATUS_LABELS[s]} {stats.counts[s]}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
