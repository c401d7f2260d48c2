import { useEffect, useState } from 'preact/hooks';
import { usePortal } from '../context.ts';
import { formatTime } from '../format.ts';
import { href, navigate } from '../router.ts';
import type { Endpoint, EndpointStatus } from '../types.ts';
import { EndpointStatusBadge, ErrorMessage, HeaderList, Loading } from './common.tsx';
import { ConfirmDialog } from './dialog.tsx';
import { DeliveryLog } from './delivery-log.tsx';
import { RecoverForm, RotateSecretButton, TestEventForm, VerifyButton } from './endpoint-tools.tsx';
import { StatsPanel } from './stats-panel.tsx';

type Pending = { kind: 'disable' } | { kind: 'delete' } | null;

/** One endpoint: its settings, what can be done to it, its numbers and its delivery log. */
export function EndpointDetail({ id }: { id: string }) {
  const { client, session } = usePortal();
  const [endpoint, setEndpoint] = useState<Endpoint | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<Pending>(null);
  const [logVersion, setLogVersion] = useState(0);
  const path = `/webhooks/endpoints/${encodeURIComponent(id)}`;

  useEffect(() => {
    setEndpoint(null);
    client.get<Endpoint>(path).then(setEndpoint).catch(setError);
  }, [id]);

  if (error) {
    return (
      <section>
        <ErrorMessage error={error} />
        <a href={href.endpoints()}>Back to the endpoints</a>
      </section>
    );
  }
  if (!endpoint) return <Loading />;

  const setStatus = async (status: EndpointStatus) => {
    setBusy(true);
    setActionError(null);
    try {
      setEndpoint(await client.patch<Endpoint>(path, { status }));
      setConfirm(null);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await client.del(path);
      navigate(href.endpoints());
    } catch (e) {
      setActionError(e);
      setBusy(false);
    }
  };

  const canWrite = !session.read_only;
  return (
    <div class="detail">
      <p>
        <a href={href.endpoints()}>← All endpoints</a>
      </p>
      <section aria-labelledby="endpoint-title" class="panel">
        <div class="section-head">
          <h1 id="endpoint-title" class="mono break">
            {endpoint.url}
          </h1>
          <EndpointStatusBadge status={endpoint.status} />
        </div>
        {endpoint.name && <p>{endpoint.name}</p>}
        {endpoint.description && <p class="muted">{endpoint.description}</p>}
        <dl class="facts">
          <div>
            <dt>ID</dt>
            <dd class="mono">{endpoint.id}</dd>
          </div>
          <div>
            <dt>Event types</dt>
            <dd>{endpoint.event_types.map((t) => (t === '*' ? 'All event types' : t)).join(', ')}</dd>
          </div>
          <div>
            <dt>Verification</dt>
            <dd data-testid="verification-status">
              {endpoint.verification.status}
              {endpoint.verification.verified_at && ` (${formatTime(endpoint.verification.verified_at)})`}
              {endpoint.verification.reason && ` — ${endpoint.verification.reason}`}
            </dd>
          </div>
          <div>
            <dt>Timeout</dt>
            <dd>{endpoint.timeout_seconds} s</dd>
          </div>
          <div>
            <dt>Rate limit</dt>
            <dd>{endpoint.rate_limit_per_second === null ? 'None' : `${endpoint.rate_limit_per_second} per second`}</dd>
          </div>
          {endpoint.disabled_reason && (
            <div>
              <dt>Disabled because</dt>
              <dd>{endpoint.disabled_reason}</dd>
            </div>
          )}
          {endpoint.paused_at && (
            <div>
              <dt>Paused since</dt>
              <dd>{formatTime(endpoint.paused_at)}</dd>
            </div>
          )}
          <div>
            <dt>Created</dt>
            <dd>{formatTime(endpoint.created_at)}</dd>
          </div>
        </dl>
        <h2 class="small-title">Custom headers</h2>
        <HeaderList headers={endpoint.headers} label="Custom headers" />
        {canWrite && (
          <div class="actions" role="group" aria-label="Endpoint actions">
            <a class="button" href={href.editEndpoint(endpoint.id)}>
              Edit
            </a>
            {endpoint.status === 'active' && (
              <button type="button" disabled={busy} onClick={() => setStatus('paused')}>
                Pause
              </button>
            )}
            {endpoint.status === 'paused' && (
              <button type="button" disabled={busy} onClick={() => setStatus('active')}>
                Resume
              </button>
            )}
            {endpoint.status === 'disabled' ? (
              <button type="button" disabled={busy} onClick={() => setStatus('active')}>
                Enable
              </button>
            ) : (
              <button type="button" disabled={busy} onClick={() => setConfirm({ kind: 'disable' })}>
                Disable
              </button>
            )}
            <RotateSecretButton endpointId={endpoint.id} onRotated={setEndpoint} />
            <VerifyButton endpointId={endpoint.id} onVerified={() => client.get<Endpoint>(path).then(setEndpoint, () => undefined)} />
            <button type="button" class="danger" disabled={busy} onClick={() => setConfirm({ kind: 'delete' })}>
              Delete
            </button>
          </div>
        )}
        {!confirm && <ErrorMessage error={actionError} />}
      </section>

      {confirm?.kind === 'disable' && (
        <ConfirmDialog
          title="Disable this endpoint?"
          message={<p>Deliveries under way end as failed and new events are recorded but not sent. You can enable it again and recover them.</p>}
          confirmLabel="Disable endpoint"
          danger
          busy={busy}
          error={<ErrorMessage error={actionError} />}
          onConfirm={() => setStatus('disabled')}
          onClose={() => setConfirm(null)}
        />
      )}
      {confirm?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete this endpoint?"
          message={
            <p>
              <span class="mono break">{endpoint.url}</span> will receive no new deliveries; deliveries already under way still complete. This cannot be undone.
            </p>
          }
          confirmLabel="Delete endpoint"
          danger
          busy={busy}
          error={<ErrorMessage error={actionError} />}
          onConfirm={remove}
          onClose={() => setConfirm(null)}
        />
      )}

      {canWrite && (
        <div class="grid-2 tools">
          <TestEventForm endpointId={endpoint.id} onSent={() => setLogVersion((v) => v + 1)} />
          <RecoverForm endpointId={endpoint.id} onRecovered={() => setLogVersion((v) => v + 1)} />
        </div>
      )}
      <StatsPanel endpointId={endpoint.id} refreshKey={logVersion} />
      <DeliveryLog endpointId={endpoint.id} refreshKey={logVersion} />
    </div>
  );
}
