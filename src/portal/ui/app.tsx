import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, createClient, describeError } from './api.ts';
import { EndpointDetail } from './components/endpoint-detail.tsx';
import { EndpointForm } from './components/endpoint-form.tsx';
import { EndpointsList } from './components/endpoints-list.tsx';
import { DeliveryLog } from './components/delivery-log.tsx';
import { Loading } from './components/common.tsx';
import { PortalContext, type Portal } from './context.ts';
import { href, useRoute, type Route } from './router.ts';
import { tokenExpiry } from './token.ts';
import type { EventType, List, PortalSession } from './types.ts';

export const EXPIRED_MESSAGE = 'This portal link has expired. Ask for a new one.';

/** The whole page for one token: the session first, then the views; a 401 anywhere ends it. */
export function App({ token }: { token: string }) {
  const [ended, setEnded] = useState<string | null>(null);
  const [portal, setPortal] = useState<Portal | null>(null);
  const [bootError, setBootError] = useState<unknown>(null);
  const client = useMemo(() => createClient(token, (error) => setEnded(error.message)), [token]);

  const boot = async () => {
    setBootError(null);
    try {
      const session = await client.get<PortalSession>('/session');
      const eventTypes = await client.get<List<EventType>>('/webhooks/event-types');
      setPortal({ client, session, eventTypes: eventTypes.data });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setBootError(e);
    }
  };

  useEffect(() => {
    void boot();
    // The link stops working at its expiry: say so then, without waiting for a failed call.
    const expiry = tokenExpiry(token);
    if (!expiry) return;
    const timer = setTimeout(() => setEnded(EXPIRED_MESSAGE), Math.min(expiry.getTime() - Date.now(), 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [token]);

  if (ended) return <SessionEnded message={ended} />;
  if (bootError) {
    return (
      <main class="centered" id="main">
        <p class="error" role="alert">
          {describeError(bootError)}
        </p>
        <button type="button" onClick={boot}>
          Try again
        </button>
      </main>
    );
  }
  if (!portal) {
    return (
      <main class="centered" id="main">
        <Loading label="Opening your webhook portal…" />
      </main>
    );
  }
  return (
    <PortalContext.Provider value={portal}>
      <Shell session={portal.session} />
    </PortalContext.Provider>
  );
}

/** The screen of an expired, revoked or unknown link: nothing else is called from here on. */
export function SessionEnded({ message, title = 'This portal link no longer works' }: { message: string; title?: string }) {
  return (
    <main class="centered" id="main">
      <div class="panel ended" role="alert" data-testid="session-ended">
        <h1>{title}</h1>
        <p>{message}</p>
      </div>
    </main>
  );
}

/** A `return_url` is offered as a link only when it is a web address (never `javascript:`). */
function safeReturnUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function Shell({ session }: { session: PortalSession }) {
  const route = useRoute();
  const back = safeReturnUrl(session.return_url);
  const current = route.view === 'deliveries' ? 'deliveries' : 'endpoints';
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="top-row">
          {back && (
            <a class="button back" href={back} target="_top" rel="noopener">
              ← Back
            </a>
          )}
          <p class="brand">
            Webhooks
            <span class="tenant" data-testid="tenant">
              {session.tenant_id} · {session.environment}
            </span>
          </p>
          {session.read_only && (
            <span class="badge badge-readonly" data-testid="read-only-badge">
              Read-only
            </span>
          )}
        </div>
        <nav aria-label="Portal">
          <a href={href.endpoints()} aria-current={current === 'endpoints' ? 'page' : undefined}>
            Endpoints
          </a>
          <a href={href.deliveries()} aria-current={current === 'deliveries' ? 'page' : undefined}>
            Delivery log
          </a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <View route={route} />
      </main>
    </>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'new-endpoint':
      return <EndpointForm />;
    case 'edit-endpoint':
      return <EndpointForm id={route.id} key={`edit-${route.id}`} />;
    case 'endpoint':
      return <EndpointDetail id={route.id} key={route.id} />;
    case 'deliveries':
      return <DeliveryLog />;
    default:
      return <EndpointsList />;
  }
}
