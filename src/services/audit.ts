import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEntry } from '../db/entities/index.js';
import { newId } from '../ids.js';
import { redactHeaders } from '../delivery/sensitive-headers.js';
import type { Actor } from './actor.js';

const SECRET_FIELDS = new Set(['secret', 'signing_secret', 'secretSealed', 'previousSecretSealed', 'key']);

/** Removes secret fields, and the values of credential headers, from a change set before it is written anywhere. */
export function withoutSecrets(changes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(changes)
      .filter(([k]) => !SECRET_FIELDS.has(k))
      .map(([k, v]) => (k === 'headers' && isStringRecord(v) ? [k, redactHeaders(v)] : [k, v])),
  );
}

const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

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
