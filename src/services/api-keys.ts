import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { ApiKey, Tenant, type Environment, type Scope } from '../db/entities/index.js';
import { newId } from '../ids.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import { conflict, notFound } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new API key: `hk_<environment>_` + 32 random letters and digits (~190 bits). */
export function generateApiKey(environment: Environment): string {
  const bytes = randomBytes(32);
  let body = '';
  for (const b of bytes) body += ALPHABET[b % ALPHABET.length];
  return `hk_${environment}_${body}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The environment an API key belongs to, read from its prefix. */
export function keyEnvironment(key: string): Environment | undefined {
  const m = /^hk_(test|live)_[A-Za-z0-9]+$/.exec(key);
  return m ? (m[1] as Environment) : undefined;
}

/** Creates a tenant; an existing id is a 409. */
export async function createTenant(
  em: EntityManager,
  input: { id: string; name?: string | undefined; partnerId?: string | undefined },
): Promise<Tenant> {
  if (await em.findOne(Tenant, { id: input.id })) throw conflict('tenant_exists', `tenant "${input.id}" already exists`);
  const tenant = em.create(Tenant, { id: input.id, name: input.name ?? input.id, partnerId: input.partnerId ?? null });
  try {
    await em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw conflict('tenant_exists', `tenant "${input.id}" already exists`);
    throw err;
  }
  return tenant;
}

/** Every tenant, oldest first. */
export async function listTenants(em: EntityManager): Promise<Tenant[]> {
  return em.find(Tenant, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/** Creates the tenant if needed. */
export async function ensureTenant(em: EntityManager, id: string, name = id): Promise<void> {
  if (!(await em.findOne(Tenant, { id }))) {
    em.create(Tenant, { id, name });
    await em.flush();
  }
}

/**
 * Stores an API key (its hash only). Pass `key` to register a known key such as the dev key;
 * otherwise one is generated. The plaintext is returned once. With `actor`, an `api_key.created`
 * audit entry commits with the key (it names the key's id and prefix, never the key).
 */
export async function createApiKey(
  em: EntityManager,
  input: { tenantId: string; environment: Environment; scopes: Scope[]; name?: string | undefined; key?: string },
  actor?: Actor,
): Promise<{ id: string; key: string; record: ApiKey }> {
  const key = input.key ?? generateApiKey(input.environment);
  const hash = hashApiKey(key);
  const existing = await em.findOne(ApiKey, { hash });
  if (existing) return { id: existing.id, key, record: existing };
  const record = em.create(ApiKey, {
    id: newId('apiKey'),
    tenantId: input.tenantId,
    environment: input.environment,
    name: input.name ?? null,
    prefix: key.slice(0, 12),
    hash,
    scopes: input.scopes,
  });
  if (actor) {
    audit(em, actor, {
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: record.id,
      changes: { prefix: record.prefix, environment: record.environment, scopes: record.scopes, name: record.name },
    });
  }
  await em.flush();
  return { id: record.id, key, record };
}

/** A tenant's keys, oldest first (hashes stay in the database; callers show prefixes). */
export async function listApiKeys(em: EntityManager, tenantId: string): Promise<ApiKey[]> {
  return em.find(ApiKey, { tenantId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/**
 * Revokes a key from now on; revoking a revoked key changes nothing. `actorName` is written to the
 * `api_key.revoked` audit entry.
 */
export async function revokeApiKey(
  em: EntityManager,
  id: string,
  actorName: string,
): Promise<{ record: ApiKey; alreadyRevoked: boolean }> {
  const record = await em.findOne(ApiKey, { id });
  if (!record) throw notFound(`API key "${id}"`);
  if (record.revokedAt) return { record, alreadyRevoked: true };
  record.revokedAt = new Date();
  audit(
    em,
    { tenantId: record.tenantId, environment: record.environment, scopes: [], name: actorName, requestId: null },
    { action: 'api_key.revoked', resourceType: 'api_key', resourceId: record.id, changes: { prefix: record.prefix } },
  );
  await em.flush();
  return { record, alreadyRevoked: false };
}

/** Finds the live (not revoked) key for a bearer token, comparing hashes in constant time. */
export async function authenticateApiKey(em: EntityManager, token: string): Promise<ApiKey | null> {
  const environment = keyEnvironment(token);
  if (!environment) return null;
  const hash = hashApiKey(token);
  const record = await em.findOne(ApiKey, { hash, revokedAt: null });
  if (!record) return null;
  const same = timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'));
  return same && record.environment === environment ? record : null;
}
