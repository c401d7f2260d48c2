import { useEffect, useState } from 'preact/hooks';
import { usePortal } from '../context.ts';
import { href } from '../router.ts';
import type { Endpoint, List } from '../types.ts';
import { EmptyState, EndpointStatusBadge, ErrorMessage, Loading } from './common.tsx';

/** The session's endpoints, newest first, a page at a time. */
export function EndpointsList() {
  const { client, session } = usePortal();
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const load = async (after?: string) => {
    setError(null);
    try {
      const page = await client.get<List<Endpoint>>('/webhooks/endpoints', { limit: 50, starting_after: after });
      setEndpoints((previous) => (after ? [...(previous ?? []), ...page.data] : page.data));
      setCursor(page.has_more ? page.next_cursor : null);
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    void load();
  }, []);

  const createButton = !session.read_only && (
    <a class="button primary" href={href.newEndpoint()}>
      Add endpoint
    </a>
  );

  return (
    <section aria-labelledby="endpoints-title">
      <div class="section-head">
        <h1 id="endpoints-title">Endpoints</h1>
        {createButton}
      </div>
      <ErrorMessage error={error} />
      {endpoints === null && !error && <Loading />}
      {endpoints?.length === 0 && (
        <EmptyState title="No endpoints yet">
          <p>An endpoint is a URL of yours that receives webhooks for the event types you choose.</p>
          {createButton}
        </EmptyState>
      )}
      {endpoints && endpoints.length > 0 && (
        <ul class="card-list" aria-label="Endpoints">
          {endpoints.map((e) => (
            <li key={e.id} class="card" data-testid="endpoint-row">
              <div class="card-main">
                <a class="endpoint-url mono" href={href.endpoint(e.id)}>
                  {e.url}
                </a>
                <EndpointStatusBadge status={e.status} />
              </div>
              {(e.name || e.description) && <p class="muted">{[e.name, e.description].filter(Boolean).join(' — ')}</p>}
              <p class="types">
                <span class="sr-only">Event types: </span>
                {e.event_types.map((t) => (
                  <span key={t} class="chip">
                    {t === '*' ? 'All event types' : t}
                  </span>
                ))}
              </p>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button
          type="button"
          disabled={loadingMore}
          onClick={async () => {
            setLoadingMore(true);
            await load(cursor);
            setLoadingMore(false);
          }}
        >
          {loadingMore ? 'Loading…' : 'Load more endpoints'}
        </button>
      )}
    </section>
  );
}
