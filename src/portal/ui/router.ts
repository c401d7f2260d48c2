// Hash routing (`#/endpoints/ep_…`): the page is one static file, and no route carries the token.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'endpoints' }
  | { view: 'new-endpoint' }
  | { view: 'endpoint'; id: string }
  | { view: 'edit-endpoint'; id: string }
  | { view: 'deliveries' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'deliveries') return { view: 'deliveries' };
  if (parts[0] === 'endpoints' && parts[1] === 'new') return { view: 'new-endpoint' };
  if (parts[0] === 'endpoints' && parts[1] && parts[2] === 'edit') return { view: 'edit-endpoint', id: parts[1] };
  if (parts[0] === 'endpoints' && parts[1]) return { view: 'endpoint', id: parts[1] };
  return { view: 'endpoints' };
}

export const href = {
  endpoints: () => '#/endpoints',
  newEndpoint: () => '#/endpoints/new',
  endpoint: (id: string) => `#/endpoints/${encodeURIComponent(id)}`,
  editEndpoint: (id: string) => `#/endpoints/${encodeURIComponent(id)}/edit`,
  deliveries: () => '#/deliveries',
};

export function navigate(to: string): void {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash));
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
