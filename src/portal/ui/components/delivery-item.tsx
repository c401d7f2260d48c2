import { useEffect, useState } from 'preact/hooks';
import { usePortal } from '../context.ts';
import { formatMs, formatTime } from '../format.ts';
import { useInterval } from '../hooks.ts';
import { href } from '../router.ts';
import type { Attempt, Delivery, DeliveryDetail } from '../types.ts';
import { DeliveryStatusBadge, ErrorMessage, HeaderList, Loading } from './common.tsx';

/** One row of the log; opened, it shows the payload and every attempt, and offers a replay. */
export function DeliveryItem({ delivery, showEndpoint, onChanged }: { delivery: Delivery; showEndpoint: boolean; onChanged: () => void }) {
  const { client, session } = usePortal();
  const [open, setOpen] = useState(false);
  const [detail, setDetail] = useState<DeliveryDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const path = `/webhooks/deliveries/${encodeURIComponent(delivery.id)}`;
  const panelId = `delivery-${delivery.id}`;

  const loadDetail = () => client.get<DeliveryDetail>(path).then(setDetail, setError);
  useEffect(() => {
    if (open) void loadDetail();
  }, [open, delivery.updated_at]);
  useInterval(() => void loadDetail(), 2000, open && (detail?.status ?? delivery.status) === 'pending');

  const act = async (action: 'replay' | 'retry') => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const result = await client.post<Delivery>(`${path}/${action}`);
      setNotice(result.id === delivery.id ? 'Attempting again now.' : `Replayed as ${result.id}.`);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const finished = delivery.status === 'failed' || delivery.status === 'dead_letter';
  const waiting = delivery.status === 'pending' && delivery.next_attempt_at !== null && delivery.attempt_count > 0;
  return (
    <li class="delivery" data-testid="delivery-row" data-delivery-id={delivery.id} data-status={delivery.status}>
      <div class="delivery-summary">
        <DeliveryStatusBadge status={delivery.status} />
        <span class="mono">{delivery.event_type}</span>
        <span class="muted">{formatTime(delivery.created_at)}</span>
        <span class="muted">
          {delivery.attempt_count} {delivery.attempt_count === 1 ? 'attempt' : 'attempts'}
          {delivery.last_response_status !== null && `, HTTP ${delivery.last_response_status}`}
        </span>
        <button type="button" class="link-button" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
          {open ? 'Hide details' : 'Show details'}
          <span class="sr-only"> of delivery {delivery.id}</span>
        </button>
      </div>
      {open && (
        <div id={panelId} class="delivery-detail">
          <dl class="facts">
            <div>
              <dt>Delivery</dt>
              <dd class="mono">{delivery.id}</dd>
            </div>
            <div>
              <dt>Event</dt>
              <dd class="mono">{delivery.event_id}</dd>
            </div>
            {showEndpoint && (
              <div>
                <dt>Endpoint</dt>
                <dd>
                  <a class="mono" href={href.endpoint(delivery.endpoint_id)}>
                    {delivery.endpoint_id}
                  </a>
                </dd>
              </div>
            )}
            {delivery.replay_of && (
              <div>
                <dt>Replay of</dt>
                <dd class="mono">{delivery.replay_of}</dd>
              </div>
            )}
            {delivery.next_attempt_at && delivery.status === 'pending' && (
              <div>
                <dt>Next attempt</dt>
                <dd>{formatTime(delivery.next_attempt_at)}</dd>
              </div>
            )}
            {delivery.delivered_at && (
              <div>
                <dt>Delivered</dt>
                <dd>{formatTime(delivery.delivered_at)}</dd>
              </div>
            )}
            {delivery.failure_reason && (
              <div>
                <dt>Failure</dt>
                <dd>{delivery.failure_reason}</dd>
              </div>
            )}
          </dl>
          {!session.read_only && (finished || waiting) && (
            <div class="actions">
              {finished && (
                <button type="button" class="primary" disabled={busy} onClick={() => act('replay')}>
                  Replay delivery
                </button>
              )}
              {waiting && (
                <button type="button" disabled={busy} onClick={() => act('retry')}>
                  Retry now
                </button>
              )}
            </div>
          )}
          {notice && <p role="status">{notice}</p>}
          <ErrorMessage error={error} />
          {!detail && !error && <Loading label="Loading attempts…" />}
          {detail && (
            <>
              <details class="payload">
                <summary>Payload</summary>
                <pre class="code">{JSON.stringify(detail.payload, null, 2)}</pre>
              </details>
              <h3 class="small-title">Attempts</h3>
              {detail.attempts.length === 0 ? (
                <p class="muted">Not attempted yet.</p>
              ) : (
                <ol class="attempts" aria-label={`Attempts of delivery ${delivery.id}`}>
                  {detail.attempts.map((a) => (
                    <AttemptView key={a.id} attempt={a} />
                  ))}
                </ol>
              )}
            </>
          )}
        </div>
      )}
    </li>
  );
}

function AttemptView({ attempt }: { attempt: Attempt }) {
  const ok = attempt.response_status !== null && attempt.response_status >= 200 && attempt.response_status < 300;
  return (
    <li class="attempt" data-testid="attempt">
      <p class="attempt-head">
        <strong>Attempt {attempt.attempt}</strong>
        <span class={ok ? 'ok' : 'bad'} data-testid="attempt-status">
          {attempt.response_status !== null ? `HTTP ${attempt.response_status}` : (attempt.error_code ?? 'no response')}
        </span>
        <span data-testid="attempt-duration">{formatMs(attempt.duration_ms)}</span>
        <span class="muted">{formatTime(attempt.started_at)}</span>
      </p>
      {attempt.error && <p class="bad">{attempt.error}</p>}
      <details>
        <summary>Request headers</summary>
        <HeaderList headers={attempt.request_headers} label="Request headers" />
      </details>
      {attempt.response_headers && (
        <details>
          <summary>Response headers</summary>
          <HeaderList headers={attempt.response_headers} label="Response headers" />
        </details>
      )}
      <details open={!ok}>
        <summary>Response body (excerpt)</summary>
        {attempt.response_body ? <pre class="code">{attempt.response_body}</pre> : <p class="muted">Empty.</p>}
      </details>
    </li>
  );
}
