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
          {stats.total === 0 && stats.attempts.count === 0 ? (
            <p class="muted">No deliveries in this window.</p>
          ) : (
            <>
              <SeriesChart stats={stats} />
              <StatsChart stats={stats} />
            </>
          )}
        </>
      )}
    </section>
  );
}

const SERIES_WIDTH = 360;
const RATE_HEIGHT = 60;
const LATENCY_HEIGHT = 60;

/** `x,y` points of a line through the buckets that have a value; a gap where one has none. */
function linePaths(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let path = '';
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null) {
      drawing = false;
      return;
    }
    path += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
    drawing = true;
  });
  return path.trim();
}

/**
 * The window over time: one bar per bucket for the share of attempts accepted (none drawn where
 * there were no attempts), and the p50 and p95 attempt latency as lines on their own scale.
 */
function SeriesChart({ stats }: { stats: EndpointStats }) {
  const buckets = stats.series;
  if (buckets.length === 0) return null;
  const step = SERIES_WIDTH / buckets.length;
  const x = (i: number) => i * step + step / 2;
  const maxMs = Math.max(1, ...buckets.map((b) => b.latency_ms.p95 ?? 0));
  const latencyTop = RATE_HEIGHT + 50;
  const latencyY = (ms: number) => latencyTop + LATENCY_HEIGHT - (ms / maxMs) * LATENCY_HEIGHT;
  const busiest = buckets.filter((b) => b.attempts > 0);
  const summary =
    busiest.length === 0
      ? 'No attempts in this window'
      : `Success rate and latency over ${buckets.length} intervals from ${formatTime(buckets[0]!.start)}: ` +
        busiest.map((b) => `${formatTime(b.start)} ${formatPercent(b.success_rate)} of ${b.attempts}, p50 ${formatMs(b.latency_ms.p50)}`).join('; ');
  return (
    <figure class="chart" data-testid="stats-series">
      <svg viewBox={`0 0 ${SERIES_WIDTH + 70} ${latencyTop + LATENCY_HEIGHT + 22}`} role="img" aria-label={summary} class="chart-svg">
        <text x="0" y="12" class="chart-label">
          Success rate over time
        </text>
        <line x1="0" x2={SERIES_WIDTH} y1={18 + RATE_HEIGHT} y2={18 + RATE_HEIGHT} class="chart-grid" />
        {buckets.map((b, i) =>
          b.success_rate === null ? null : (
            <rect
              key={b.start}
              x={i * step + 1}
              y={18 + RATE_HEIGHT - Math.max(b.success_rate * RATE_HEIGHT, 2)}
              width={Math.max(step - 2, 1)}
              height={Math.max(b.success_rate * RATE_HEIGHT, 2)}
              class={b.success_rate >= 0.99 ? 'bar-delivered' : b.success_rate > 0 ? 'bar-pending' : 'bar-failed'}
              data-testid="series-bar"
            >
              <title>{`${formatTime(b.start)}: ${formatPercent(b.success_rate)} of ${b.attempts} attempts`}</title>
            </rect>
          ),
        )}
        <text x={SERIES_WIDTH + 6} y="26" class="chart-axis">
          100%
        </text>
        <text x={SERIES_WIDTH + 6} y={18 + RATE_HEIGHT} class="chart-axis">
          0%
        </text>
        <text x="0" y={latencyTop - 6} class="chart-label">
          Latency p50 / p95
        </text>
        <line x1="0" x2={SERIES_WIDTH} y1={latencyTop + LATENCY_HEIGHT} y2={latencyTop + LATENCY_HEIGHT} class="chart-grid" />
        <path d={linePaths(buckets.map((b) => b.latency_ms.p95), x, latencyY)} class="line-p95" />
        <path d={linePaths(buckets.map((b) => b.latency_ms.p50), x, latencyY)} class="line-p50" />
        {buckets.map((b, i) =>
          b.latency_ms.p50 === null ? null : <circle key={b.start} cx={x(i)} cy={latencyY(b.latency_ms.p50)} r="2" class="dot-p50" />,
        )}
        <text x={SERIES_WIDTH + 6} y={latencyTop + 8} class="chart-axis">
          {formatMs(maxMs)}
        </text>
        <text x="0" y={latencyTop + LATENCY_HEIGHT + 16} class="chart-axis">
          {formatTime(buckets[0]!.start)}
        </text>
        <text x={SERIES_WIDTH} y={latencyTop + LATENCY_HEIGHT + 16} class="chart-axis chart-axis-end">
          now
        </text>
      </svg>
    </figure>
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
