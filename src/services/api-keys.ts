import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey, Tenant, type Environment, type Scope } from '../db/entities/index.js';
import { newId } from '../ids.js';

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

/** Creates the tenant if needed. */
export async function ensureTenant(em: EntityManager, id: string, name = id): Promise<void> {
  if (!(await em.findOne(Tenant, { id }))) {
    em.create(Tenant, { id, name });
    await em.flush();
  }
}

/**
 * Stores an API key (its hash only). Pass `key` to register a known key such as the dev key;
 * otherwise one is generated. The plaintext is returned once.
 */
export async function createApiKey(
  em: EntityManager,
  input: { tenantId: string; environment: Environment; scopes: Scope[]; name?: string; key?: string },
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
  await em.flush();
  return { id: record.id, key, record };
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
