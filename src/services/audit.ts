import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEntry } from '../db/entities/index.js';
import { newId } from '../ids.js';
import type { Actor } from './actor.js';

const SECRET_FIELDS = new Set(['secret', 'signing_secret', 'secretSealed', 'previousSecretSealed', 'key']);

/** Removes secret fields from a change set before it is written anywhere. */
export function withoutSecrets(changes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(changes).filter(([k]) => !SECRET_FIELDS.has(k)));
}

/** Adds an audit entry to the unit of work of `em`, so it commits with the change it describes. */
export function audit(
  em: EntityManager,
  actor: Actor,
  entry: { action: string; resourceType: string; resourceId: string; changes?: Record<string, unknown> },
): void {
  em.create(AuditEntry, {
    id: newId('audit'),
    tenantId: actor.tenantId,
    environment: actor.environment,
    actor: actor.name,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    changes: withoutSecrets(entry.changes ?? {}),
    requestId: actor.requestId,
  });
}
