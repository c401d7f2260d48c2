import { useEffect, useState } from 'preact/hooks';
import { fieldErrors } from '../api.ts';
import { usePortal } from '../context.ts';
import { formatTime, isoToLocalInput, localInputToIso } from '../format.ts';
import { useInterval } from '../hooks.ts';
import type { Delivery, Endpoint, EndpointSecretRotated, VerificationResult } from '../types.ts';
import { DeliveryStatusBadge, ErrorMessage, EventTypeOptions } from './common.tsx';
import { Dialog } from './dialog.tsx';
import { SecretReveal } from './secret-reveal.tsx';

const endpointPath = (id: string) => `/webhooks/endpoints/${encodeURIComponent(id)}`;

/** Rotate the signing secret: the previous one keeps signing for the grace period chosen. */
export function RotateSecretButton({ endpointId, onRotated }: { endpointId: string; onRotated: (e: Endpoint) => void }) {
  const { client } = usePortal();
  const [open, setOpen] = useState(false);
  const [hours, setHours] = useState('24');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [rotated, setRotated] = useState<EndpointSecretRotated | null>(null);

  const close = () => {
    setOpen(false);
    setRotated(null);
    setError(null);
  };
  const rotate = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await client.post<EndpointSecretRotated>(`${endpointPath(endpointId)}/rotate-secret`, {
        grace_period_seconds: Math.round(Number(hours) * 3600),
      });
      setRotated(result);
      onRotated(result);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const graceError = fieldErrors(error).grace_period_seconds;

  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Rotate secret
      </button>
      {open && (
        <Dialog title={rotated ? 'New signing secret' : 'Rotate the signing secret'} onClose={close}>
          {rotated ? (
            <div class="dialog-body">
              <SecretReveal secret={rotated.signing_secret} label="New signing secret" />
              <p data-testid="previous-secret-expires">
                {rotated.previous_secret_expires_at
                  ? `The previous secret keeps signing deliveries until ${formatTime(rotated.previous_secret_expires_at)}.`
                  : 'The previous secret no longer signs deliveries.'}
              </p>
              <div class="actions">
                <button type="button" class="primary" onClick={close}>
                  Done
                </button>
              </div>
            </div>
          ) : (
            <form class="dialog-body" onSubmit={rotate} noValidate>
              <p>Every delivery is signed with both secrets during the grace period, so your receiver can switch over without failures.</p>
              <div class="field">
                <label for="grace-hours">Grace period (hours, 0–168)</label>
                <input id="grace-hours" type="number" min={0} max={168} step="any" value={hours} onInput={(e) => setHours(e.currentTarget.value)} />
                {graceError && <p class="field-error">{graceError}</p>}
              </div>
              {!graceError && <ErrorMessage error={error} />}
              <div class="actions">
                <button type="submit" class="primary" disabled={busy}>
                  {busy ? 'Rotating…' : 'Rotate secret'}
                </button>
                <button type="button" onClick={close}>
                  Cancel
                </button>
              </div>
            </form>
          )}
        </Dialog>
      )}
    </>
  );
}

/** Runs the URL-ownership handshake and shows what the receiver answered. */
export function VerifyButton({ endpointId, onVerified }: { endpointId: string; onVerified: () => void }) {
  const { client } = usePortal();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<VerificationResult | null>(null);
  const [error, setError] = useState<unknown>(null);

  const verify = async () => {
    setBusy(true);
    setResult(null);
    setError(null);
    try {
      setResult(await client.post<VerificationResult>(`${endpointPath(endpointId)}/verify`));
      onVerified();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <span class="inline-tool">
      <button type="button" disabled={busy} onClick={verify}>
        {busy ? 'Verifying… (up to 30 s)' : 'Verify endpoint'}
      </button>
      <span role="status" aria-live="polite" data-testid="verify-result">
        {result?.verified && <span class="ok">Verified: the endpoint echoed the challenge.</span>}
        {result && !result.verified && <span class="bad">Not verified: {result.reason ?? 'no reason given'}</span>}
      </span>
      <ErrorMessage error={error} />
    </span>
  );
}

/** Sends a synthetic event of the chosen type to this endpoint only and follows its delivery. */
export function TestEventForm({ endpointId, onSent }: { endpointId: string; onSent: () => void }) {
  const { client, eventTypes } = usePortal();
  const [eventType, setEventType] = useState(() => (eventTypes.some((t) => t.name === 'webhook.test') ? 'webhook.test' : (eventTypes[0]?.name ?? '')));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [delivery, setDelivery] = useState<Delivery | null>(null);

  useInterval(
    () => {
      if (delivery) client.get<Delivery>(`/webhooks/deliveries/${encodeURIComponent(delivery.id)}`).then(setDelivery, () => undefined);
    },
    1500,
    delivery?.status === 'pending',
  );

  // The log and the stats change again when the test delivery ends.
  const finalStatus = delivery && delivery.status !== 'pending' ? delivery.status : null;
  useEffect(() => {
    if (finalStatus) onSent();
  }, [delivery?.id, finalStatus]);

  const send = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setDelivery(await client.post<Delivery>(`${endpointPath(endpointId)}/test`, eventType ? { event_type: eventType } : {}));
      onSent();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="test-title">
      <h2 id="test-title">Send a test event</h2>
      <form onSubmit={send} class="inline-form">
        <div class="field">
          <label for="test-event-type">Event type</label>
          <select id="test-event-type" value={eventType} onChange={(e) => setEventType(e.currentTarget.value)}>
            <EventTypeOptions eventTypes={eventTypes} />
          </select>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send test event'}
        </button>
      </form>
      <ErrorMessage error={error} />
      {delivery && (
        <p data-testid="test-delivery" role="status" aria-live="polite">
          Delivery <span class="mono">{delivery.id}</span>: <DeliveryStatusBadge status={delivery.status} />
          {delivery.last_response_status !== null && ` (HTTP ${delivery.last_response_status})`}
          {delivery.failure_reason && ` — ${delivery.failure_reason}`}
        </p>
      )}
    </section>
  );
}

/** Replays every failed or dead-lettered delivery of the endpoint in a time window. */
export function RecoverForm({ endpointId, onRecovered }: { endpointId: string; onRecovered: () => void }) {
  const { client } = usePortal();
  const [since, setSince] = useState(() => isoToLocalInput(new Date(Date.now() - 24 * 3600 * 1000)));
  const [until, setUntil] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [replayed, setReplayed] = useState<number | null>(null);

  const recover = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setReplayed(null);
    const sinceIso = localInputToIso(since);
    if (!sinceIso) return setError(new Error('Choose when the window starts.'));
    setBusy(true);
    try {
      const result = await client.post<{ replayed: number }>(`${endpointPath(endpointId)}/recover`, { since: sinceIso, until: localInputToIso(until) });
      setReplayed(result.replayed);
      onRecovered();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const errors = fieldErrors(error);

  return (
    <section class="panel" aria-labelledby="recover-title">
      <h2 id="recover-title">Recover failed deliveries</h2>
      <p class="hint">Sends again every failed or dead-lettered delivery created in the window (once per delivery).</p>
      <form onSubmit={recover} class="form" noValidate>
        <div class="grid-2">
          <div class="field">
            <label for="recover-since">From</label>
            <input id="recover-since" type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
            {errors.since && <p class="field-error">{errors.since}</p>}
          </div>
          <div class="field">
            <label for="recover-until">To (empty: now)</label>
            <input id="recover-until" type="datetime-local" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
            {errors.until && <p class="field-error">{errors.until}</p>}
          </div>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Recovering…' : 'Recover deliveries'}
        </button>
      </form>
      {!errors.since && !errors.until && <ErrorMessage error={error} />}
      {replayed !== null && (
        <p role="status" data-testid="recover-result">
          {replayed === 0 ? 'Nothing to recover in that window.' : `${replayed} ${replayed === 1 ? 'delivery was' : 'deliveries were'} requeued.`}
        </p>
      )}
    </section>
  );
}
