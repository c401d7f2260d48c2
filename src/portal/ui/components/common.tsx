import type { ComponentChildren } from 'preact';
import { describeError } from '../api.ts';
import { DELIVERY_STATUS_LABELS } from '../format.ts';
import type { DeliveryStatus, EndpointStatus } from '../types.ts';

export function EndpointStatusBadge({ status }: { status: EndpointStatus }) {
  return (
    <span class={`badge badge-${status}`} data-testid="endpoint-status">
      {status}
    </span>
  );
}

export function DeliveryStatusBadge({ status }: { status: DeliveryStatus }) {
  return (
    <span class={`badge badge-${status}`} data-testid="delivery-status" data-status={status}>
      {DELIVERY_STATUS_LABELS[status]}
    </span>
  );
}

/** An error from the API (or anything thrown), announced to screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {describeError(error)}
    </p>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" data-testid="empty-state">
      <p class="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** Key/value lines (headers), in a definition list that wraps on narrow screens. */
export function HeaderList({ headers, label }: { headers: Record<string, string> | null; label: string }) {
  const entries = Object.entries(headers ?? {});
  if (entries.length === 0) return <p class="muted">No {label.toLowerCase()}.</p>;
  return (
    <dl class="headers" aria-label={label}>
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The `<option>`s of an event-type `<select>`: the catalogue the session offers. */
export function EventTypeOptions({ eventTypes }: { eventTypes: readonly { name: string }[] }) {
  return (
    <>
      {eventTypes.map((t) => (
        <option key={t.name} value={t.name}>
          {t.name}
        </option>
      ))}
    </>
  );
}
