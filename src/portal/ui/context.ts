import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Client } from './api.ts';
import type { EventType, PortalSession } from './types.ts';

export interface Portal {
  client: Client;
  session: PortalSession;
  /** The catalogue as the session sees it (already limited to its event types by the server). */
  eventTypes: EventType[];
}

export const PortalContext = createContext<Portal | null>(null);

export function usePortal(): Portal {
  const portal = useContext(PortalContext);
  if (!portal) throw new Error('usePortal outside PortalContext');
  return portal;
}
