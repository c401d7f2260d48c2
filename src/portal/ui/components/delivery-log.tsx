import { useEffect, useRef, useState } from 'preact/hooks';
import { usePortal } from '../context.ts';
import { DELIVERY_STATUS_LABELS, localInputToIso } from '../format.ts';
import { useInterval } from '../hooks.ts';
import type { Delivery, DeliveryStatus, List } from '../types.ts';
import { EmptyState, ErrorMessage, EventTypeOptions, Loading } from './common.tsx';
import { DeliveryItem } from './delivery-item.tsx';

interface Filters {
  status: '' | DeliveryStatus;
  eventType: string;
  after: string;
  before: string;
}

const NO_FILTERS: Filters = { status: '', eventType: '', after: '', before: '' };
const PAGE = 20;
const POLL_MS = 2000;

/**
 * Deliveries, newest first (of one endpoint, or of every endpoint): filters, cursor pages, and a
 * refresh every few seconds while one of them is still pending.
 */
export function DeliveryLog({ endpointId, refreshKey = 0 }: { endpointId?: string; refreshKey?: number }) {
  const { client, eventTypes } = usePortal();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const request = useRef(0);
  const path = endpointId ? `/webhooks/endpoints/${encodeURIComponent(endpointId)}/deliveries` : '/webhooks/deliveries';

  const query = (f: Filters) => ({ status: f.status, event_type: f.eventType, after: localInputToIso(f.after), before: localInputToIso(f.before) });

  /** Loads the first page again (as many rows as are shown, up to 100), or the page after `after`. */
  const load = async (after?: string) => {
    const mine = ++request.current;
    setLoading(true);
    try {
      const limit = after ? PAGE : Math.min(100, Math.max(PAGE, items?.length ?? 0));
      const page = await client.get<List<Delivery>>(path, { ...query(filters), limit, starting_after: after });
      if (mine !== request.current) return;
      setItems((previous) => (after ? [...(previous ?? []), ...page.data] : page.data));
      setCursor(page.has_more ? page.next_cursor : null);
      setError(null);
    } catch (e) {
      if (mine === request.current) setError(e);
    } finally {
      if (mine === request.current) setLoading(false);
    }
  };

  useEffect(() => {
    setItems(null);
    void load();
  }, [path, filters, refreshKey]);

  const anyPending = items?.some((d) => d.status === 'pending') ?? false;
  useInterval(() => !loading && void load(), POLL_MS, anyPending && !error);

  const apply = (event: Event) => {
    event.preventDefault();
    setFilters({ ...draft });
  };
  const id = endpointId ? 'endpoint-log' : 'log';
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);

  return (
    <section class="panel" aria-labelledby={`${id}-title`}>
      <div class="section-head">
        {endpointId ? <h2 id={`${id}-title`}>Delivery log</h2> : <h1 id={`${id}-title`}>Delivery log</h1>}
        <button type="button" onClick={() => load()} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <form class="filters" onSubmit={apply} aria-label="Filter deliveries">
        <div class="field">
          <label for={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value as Filters['status'] })}>
            <option value="">Any status</option>
            {(Object.keys(DELIVERY_STATUS_LABELS) as DeliveryStatus[]).map((s) => (
              <option key={s} value={s}>
                {DELIVERY_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={`${id}-type`}>Event type</label>
          <select id={`${id}-type`} value={draft.eventType} onChange={(e) => setDraft({ ...draft, eventType: e.currentTarget.value })}>
            <option value="">Any event type</option>
            <EventTypeOptions eventTypes={eventTypes} />
          </select>
        </div>
        <div class="field">
          <label for={`${id}-after`}>Created after</label>
          <input id={`${id}-after`} type="datetime-local" value={draft.after} onInput={(e) => setDraft({ ...draft, after: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for={`${id}-before`}>Created before</label>
          <input id={`${id}-before`} type="datetime-local" value={draft.before} onInput={(e) => setDraft({ ...draft, before: e.currentTarget.value })} />
        </div>
        <div class="filter-actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          {filtered && (
            <button
              type="button"
              onClick={() => {
                setDraft(NO_FILTERS);
                setFilters(NO_FILTERS);
              }}
            >
              Clear
            </button>
          )}
        </div>
      </form>
      <ErrorMessage error={error} />
      {items === null && !error && <Loading />}
      {items?.length === 0 && (
        <EmptyState title={filtered ? 'No deliveries match these filters' : 'No deliveries yet'}>
          {!filtered && <p>Deliveries appear here as events are sent to {endpointId ? 'this endpoint' : 'your endpoints'}. Send a test event to try it.</p>}
        </EmptyState>
      )}
      {items && items.length > 0 && (
        <ul class="delivery-list" aria-label="Deliveries">
          {items.map((d) => (
            <DeliveryItem key={d.id} delivery={d} showEndpoint={!endpointId} onChanged={() => load()} />
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" disabled={loading} onClick={() => load(cursor)}>
          Load older deliveries
        </button>
      )}
    </section>
  );
}
