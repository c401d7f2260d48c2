import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId, type IdKind } from '../ids.js';
import type { Actor } from './actor.js';
import { sealedIn, type SecretBox } from '../delivery/secrets.js';
import { conflict, unprocessable } from './errors.js';

/**
 * Stores a request's answer inside the transaction of its work (see `IdempotencyHandle.complete`),
 * so a crash leaves both or neither; throws, rolling the work back, when the claim was lost.
 */
export type StoreAnswer<T> = (tx: EntityManager, result: T) => Promise<void>;

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The hint a 409 gives: the request holding the key usually answers within a second; one that died
 * is taken over by the first retry after its lease.
 */
const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

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

/** A key this request holds: it may do the work and store the answer while its token is the record's. */
export interface IdempotencyClaim {
  recordId: string;
  token: string;
  /**
   * The id reserved for what the request creates, the same for every request that takes the claim
   * over: a request that died after committing its work left it under this id.
   */
  resourceId: string | null;
  /** True when the claim was taken over from a request whose lease ran out. */
  takenOver: boolean;
}

export type IdempotencyStart = { kind: 'new'; claim: IdempotencyClaim } | { kind: 'replay'; status: number; body: unknown };

export interface IdempotentRequest {
  route: string;
  key: string;
  body: unknown;
  /** How long a `running` claim is kept for its request; after that the next retry takes it over. */
  leaseMs: number;
  /** The kind of id to reserve for what the request creates (see {@link IdempotencyClaim.resourceId}). */
  reserves?: IdKind | undefined;
}

interface RecordRow {
  id: string;
  request_hash: string;
  state: 'running' | 'done';
  response_status: number | null;
  response_body: { sealed?: string } | null;
  expired: boolean;
  lease_over: boolean;
}

const inProgress = () =>
  conflict('idempotency_in_progress', 'a request with this Idempotency-Key is still being processed', IN_PROGRESS_RETRY_AFTER_SECONDS);

/**
 * Claims `key` for this request, or finds the earlier request that claimed it. The unique index
 * on (tenant, environment, route, key) decides races between new claims; a claim left `running`
 * past its lease (its request died, or outlived every timeout) is taken over by one conditional
 * update, so of two retries racing for it exactly one wins. Times are the database's, so API
 * processes with skewed clocks agree on leases.
 */
export async function beginIdempotent(em: EntityManager, box: SecretBox, actor: Actor, request: IdempotentRequest): Promise<IdempotencyStart> {
  const requestHash = createHash('sha256').update(canonicalJson(request.body)).digest('hex');
  const scope = [actor.tenantId, actor.environment, request.route, request.key];
  const leaseSeconds = request.leaseMs / 1000;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [existing] = await em.execute<RecordRow[]>(
      `select id, request_hash, state, response_status, response_body,
              expires_at <= now() as expired, locked_at < now() - make_interval(secs => ?) as lease_over
         from idempotency_records where tenant_id = ? and environment = ? and route = ? and key = ?`,
      [leaseSeconds, ...scope],
    );
    if (existing?.expired) {
      await em.execute(`delete from idempotency_records where id = ? and expires_at <= now()`, [existing.id]);
      continue;
    }
    if (existing) {
      if (existing.request_hash !== requestHash) {
        throw unprocessable('idempotency_key_reused', 'this Idempotency-Key was used with a different request body');
      }
      if (existing.state === 'done') return replayOf(box, existing);
      if (!existing.lease_over) throw inProgress();
      const token = newToken();
      const [taken] = await em.execute<{ resource_id: string | null }[]>(
        `update idempotency_records set claim_token = ?, locked_at = now()
          where id = ? and state = 'running' and locked_at < now() - make_interval(secs => ?)
          returning resource_id`,
        [token, existing.id, leaseSeconds],
      );
      // Another retry took it over first, or the first request finished after all: look again.
      if (!taken) continue;
      return { kind: 'new', claim: { recordId: existing.id, token, resourceId: taken.resource_id, takenOver: true } };
    }
    const claim: IdempotencyClaim = {
      recordId: newId('idempotency'),
      token: newToken(),
      resourceId: request.reserves ? newId(request.reserves) : null,
      takenOver: false,
    };
    const inserted = await em.execute<{ id: string }[]>(
      `insert into idempotency_records
         (id, tenant_id, environment, route, key, request_hash, state, locked_at, claim_token, resource_id, created_at, expires_at)
       values (?, ?, ?, ?, ?, ?, 'running', now(), ?, ?, now(), now() + make_interval(secs => ?))
       on conflict (tenant_id, environment, route, key) do nothing
       returning id`,
      [claim.recordId, ...scope, requestHash, claim.token, claim.resourceId, IDEMPOTENCY_TTL_MS / 1000],
    );
    if (inserted.length === 1) return { kind: 'new', claim };
  }
  throw inProgress();
}

function replayOf(box: SecretBox, record: RecordRow): IdempotencyStart {
  const sealed = record.response_body?.sealed;
  const body = sealed ? JSON.parse(box.decrypt(sealed, sealedIn.idempotencyResponse(record.id))) : null;
  return { kind: 'replay', status: record.response_status ?? 200, body };
}

const newToken = () => randomBytes(16).toString('hex');

/**
 * Stores the response for replays, if `claim` is still this request's (false when a retry took it
 * over). Run it in the transaction of the work, so the work and its answer commit together. The
 * response is sealed like a signing secret, because a creating response may carry one (the
 * endpoint's `signing_secret` is shown on create and rotate).
 */
export async function completeIdempotent(em: EntityManager, box: SecretBox, claim: IdempotencyClaim, status: number, body: unknown): Promise<boolean> {
  const sealed = box.encrypt(JSON.stringify(body ?? null), sealedIn.idempotencyResponse(claim.recordId));
  const updated = await em.execute<{ id: string }[]>(
    `update idempotency_records set state = 'done', response_status = ?, response_body = ?::jsonb
      where id = ? and claim_token = ? and state = 'running'
      returning id`,
    [status, JSON.stringify({ sealed }), claim.recordId, claim.token],
  );
  return updated.length === 1;
}

/** Forgets a claim whose request failed, so the client may try again with the same key at once. */
export async function abandonIdempotent(em: EntityManager, claim: IdempotencyClaim): Promise<void> {
  await em.execute(`delete from idempotency_records where id = ? and claim_token = ? and state = 'running'`, [claim.recordId, claim.token]);
}

/** Thrown inside the work's transaction when its claim was taken over meanwhile, which rolls the work back. */
export const claimLost = inProgress;

/**
 * Idempotency-Key claims over the services of one request: each step runs on a fresh fork (the
 * claim outlives the request's own unit of work), except `complete` given the work's transaction.
 */
export function createIdempotencyService({ em, secretBox }: { em: EntityManager; secretBox: SecretBox }) {
  return {
    begin: (actor: Actor, request: IdempotentRequest) => beginIdempotent(em.fork(), secretBox, actor, request),
    /** Stores the answer, in `tx` when given; false when the claim was taken over. */
    complete: (claim: IdempotencyClaim, status: number, body: unknown, tx?: EntityManager) =>
      completeIdempotent(tx ?? em.fork(), secretBox, claim, status, body),
    abandon: (claim: IdempotencyClaim) => abandonIdempotent(em.fork(), claim),
  };
}
