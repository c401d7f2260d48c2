import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { IdempotencyRecord } from '../db/entities/index.js';
import { newId } from '../ids.js';
import type { Actor } from './actor.js';
import { sealedIn, type SecretBox } from '../delivery/secrets.js';
import { AppError } from './errors.js';

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** JSON with object keys sorted, so the same body always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export type IdempotencyStart = { kind: 'new'; recordId: string } | { kind: 'replay'; status: number; body: unknown };

/**
 * Claims `key` for this request, or finds the earlier request that claimed it. The unique index
 * on (tenant, environment, route, key) decides races between concurrent requests.
 */
export async function beginIdempotent(
  em: EntityManager,
  box: SecretBox,
  actor: Actor,
  route: string,
  key: string,
  body: unknown,
): Promise<IdempotencyStart> {
  const requestHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
  const scope = { tenantId: actor.tenantId, environment: actor.environment, route, key };
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = await em.findOne(IdempotencyRecord, scope);
    if (existing && existing.expiresAt <= new Date()) {
      await em.nativeDelete(IdempotencyRecord, { id: existing.id });
    } else if (existing) {
      if (existing.requestHash !== requestHash) {
        throw new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request body');
      }
      if (existing.state === 'running') {
        throw new AppError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still being processed');
      }
      const stored = existing.responseBody as { sealed?: string } | null;
      const body = stored?.sealed ? JSON.parse(box.decrypt(stored.sealed, sealedIn.idempotencyResponse(existing.id))) : null;
      return { kind: 'replay', status: existing.responseStatus ?? 200, body };
    }
    const record = em.create(IdempotencyRecord, {
      id: newId('idempotency'),
      ...scope,
      requestHash,
      state: 'running',
      responseStatus: null,
      responseBody: null,
      expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS),
    });
    try {
      await em.flush();
      return { kind: 'new', recordId: record.id };
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      em.clear();
    }
  }
  throw new AppError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still being processed');
}

/**
 * Stores the response for replays. It is sealed like a signing secret, because a creating
 * response may carry one (the endpoint's `signing_secret` is shown on create and rotate).
 */
export async function completeIdempotent(em: EntityManager, box: SecretBox, recordId: string, status: number, body: unknown): Promise<void> {
  await em.nativeUpdate(
    IdempotencyRecord,
    { id: recordId },
    { state: 'done', responseStatus: status, responseBody: { sealed: box.encrypt(JSON.stringify(body ?? null), sealedIn.idempotencyResponse(recordId)) } },
  );
}

/** Forgets a claim whose request failed, so the client may try again with the same key. */
export async function abandonIdempotent(em: EntityManager, recordId: string): Promise<void> {
  await em.nativeDelete(IdempotencyRecord, { id: recordId });
}
