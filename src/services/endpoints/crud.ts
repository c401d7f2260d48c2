import { LockMode } from '@mikro-orm/core';
import { refusedTarget } from '../../delivery/target-check.js';
import { mergeRedactedHeaders, REDACTED } from '../../delivery/sensitive-headers.js';
import type { AddressPolicy } from '../../delivery/address-policy.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Delivery, Endpoint } from '../../db/entities/index.js';
import { newId } from '../../ids.js';
import { normalizeFilter, subscribersWhere } from '../../event-types.js';
import { generateSigningSecret, sealedIn, type SecretBox } from '../../delivery/secrets.js';
import type { DeliveryWorkflows } from '../../temporal/client.js';
import type { Logger } from '../../logger.js';
import { readScope, writeScope, type Actor } from '../actor.js';
import { audit } from '../audit.js';
import { invalid, notFound, validationError } from '../errors.js';
import { disableEndpoint, signalDeliveries, wakeStoppedDeliveries } from './disable.js';
import { findPage, type Page } from '../pagination.js';
import { checkAllowedEventTypes } from '../portal-sessions.js';
import type { EndpointCreate, EndpointListQuery, EndpointUpdate } from '../../schemas/endpoints.js';

export interface EndpointServiceDeps {
  em: EntityManager;
  secretBox: SecretBox;
  workflows: DeliveryWorkflows;
  logger: Logger;
  addressPolicy: AddressPolicy;
}

/**
 * Scoped lookup: another tenant's or environment's endpoint, or a deleted one, does not exist. A
 * read sees what the actor may read (an admin's cross-tenant filter); `forWrite` keeps to the
 * actor's own tenant and environment. With `lock`, the row stays locked until the surrounding
 * transaction ends.
 */
export async function findEndpoint(
  em: EntityManager,
  actor: Actor,
  id: string,
  options: { lock?: boolean; forWrite?: boolean } = {},
): Promise<Endpoint> {
  const endpoint = await em.findOne(
    Endpoint,
    { id, ...(options.forWrite ? writeScope(actor) : readScope(actor)), deletedAt: null },
    options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
  );
  if (!endpoint) throw notFound('endpoint');
  return endpoint;
}

/** Headers as given, `[redacted]` standing for the credential stored under the same name (422 when none is). */
function withStoredCredentials(given: Record<string, string>, stored: Record<string, string>): Record<string, string> {
  const { headers, unknown } = mergeRedactedHeaders(given, stored);
  if (unknown.length > 0) {
    throw invalid(
      'a redacted header has no stored value',
      unknown.map((name) => ({
        loc: ['body', 'headers', name],
        msg: `"${REDACTED}" keeps a stored credential, and there is none under this name`,
        type: 'value_error.redacted',
      })),
    );
  }
  return headers;
}

/** An endpoint URL must suit the environment (https for live) and reach no refused address. */
async function checkUrl(url: string, actor: Actor, policy: AddressPolicy, loc: (string | number)[]): Promise<void> {
  if (actor.environment === 'live' && !url.startsWith('https://')) {
    throw validationError(loc, 'live endpoints must use https://', 'value_error.url.scheme', 'live endpoints must use https');
  }
  const refused = await refusedTarget(url, policy);
  if (refused) throw validationError(loc, refused, 'value_error.url.private', 'the URL may not be a webhook target');
}

/** List, create, get, update and soft delete of endpoints, scoped to the actor's tenant and environment. */
export function createEndpointCrud({ em, secretBox, workflows, logger, addressPolicy }: EndpointServiceDeps) {
  return {
    async list(actor: Actor, query: EndpointListQuery): Promise<Page<Endpoint>> {
      const where: Record<string, unknown> = { ...readScope(actor), deletedAt: null };
      if (query.status) where.status = query.status;
      if (query.event_type) Object.assign(where, subscribersWhere(query.event_type));
      return findPage(em, Endpoint, query, where);
    },

    get: (actor: Actor, id: string) => findEndpoint(em, actor, id),

    /**
     * Soft delete: the endpoint disappears from the API and gets no new deliveries; deliveries
     * already under way keep their workflows and still complete.
     */
    async delete(actor: Actor, id: string): Promise<Endpoint> {
      const endpoint = await findEndpoint(em, actor, id, { forWrite: true });
      endpoint.deletedAt = new Date();
      audit(em, actor, {
        action: 'endpoint.deleted',
        resourceType: 'endpoint',
        resourceId: endpoint.id,
        changes: { deleted_at: endpoint.deletedAt.toISOString() },
      });
      await em.flush();
      return endpoint;
    },

    /**
     * Creates an endpoint; the plaintext secret is returned once, beside it. The verification
     * handshake starts in the background; its result lands on the endpoint's `verification`.
     */
    async create(
      actor: Actor,
      input: EndpointCreate,
      options: { inTransaction?: (tx: EntityManager, created: { endpoint: Endpoint; secret: string }) => Promise<void> } = {},
    ): Promise<{ endpoint: Endpoint; secret: string }> {
      await checkUrl(input.url, actor, addressPolicy, ['body', 'url']);
      checkAllowedEventTypes(actor, input.event_types, true);
      const secret = input.secret ?? generateSigningSecret();
      const status = input.status ?? 'active';
      // Made first: the sealed secret is bound to the endpoint's id.
      const id = newId('endpoint');
      // One transaction for the endpoint, its audit entry and (with an Idempotency-Key) the stored
      // answer: a crash leaves all of them or none.
      const endpoint = await em.transactional(async (tx) => {
        const created = tx.create(Endpoint, {
          id,
          tenantId: actor.tenantId,
          environment: actor.environment,
          name: input.name ?? null,
          url: input.url,
          description: input.description ?? null,
          eventTypes: normalizeFilter(input.event_types ?? []),
          headers: withStoredCredentials(input.headers ?? {}, {}),
          timeoutSeconds: input.timeout_seconds ?? 10,
          status,
          disabledReason: status === 'disabled' ? 'manual' : null,
          pausedAt: status === 'paused' ? new Date() : null,
          verification: { status: 'pending', verified_at: null, reason: null },
          metadata: input.metadata ?? {},
          rateLimitPerSecond: input.rate_limit_per_second ?? null,
          secretSealed: secretBox.encrypt(secret, sealedIn.endpointSecret(id)),
          previousSecretSealed: null,
          previousSecretExpiresAt: null,
          deletedAt: null,
        });
        const { secret: _omitted, ...changes } = input;
        audit(tx, actor, { action: 'endpoint.created', resourceType: 'endpoint', resourceId: created.id, changes });
        await tx.flush();
        await options.inTransaction?.(tx, { endpoint: created, secret });
        return created;
      });
      // The endpoint exists once committed: Temporal being unreachable must not undo the create.
      // Its verification then stays `pending` until `POST /endpoints/{id}/verify`.
      await workflows
        .startVerification(endpoint.id, { url: endpoint.url, tenantId: endpoint.tenantId })
        .catch((err: unknown) => logger.warn({ err, endpointId: endpoint.id }, 'could not start the verification handshake'));
      return { endpoint, secret };
    },

    /**
     * Partial update. A status change reaches the endpoint's in-flight deliveries: paused holds
     * them, active releases them at once, disabled ends them as `failed`.
     */
    async update(actor: Actor, id: string, input: EndpointUpdate): Promise<Endpoint> {
      await findEndpoint(em, actor, id, { forWrite: true });
      if (input.status !== undefined && input.active !== undefined && (input.status === 'active') !== input.active) {
        throw validationError(['body', 'active'], 'contradicts "status"', 'value_error.conflict', 'status and active disagree');
      }
      const nextStatus = input.status ?? (input.active === undefined ? undefined : input.active ? 'active' : 'disabled');
      if (input.url !== undefined) await checkUrl(input.url, actor, addressPolicy, ['body', 'url']);
      checkAllowedEventTypes(actor, input.event_types, false);
      let stopped: string[] = [];
      const { endpoint, statusChanged } = await em.transactional(async (tx) => {
        // Locked: a 410 Gone or auto-disable changing the row meanwhile waits for this update.
        const endpoint = await findEndpoint(tx, actor, id, { lock: true, forWrite: true });
        if (input.url !== undefined) endpoint.url = input.url;
        if (input.name !== undefined) endpoint.name = input.name;
        if (input.description !== undefined) endpoint.description = input.description;
        if (input.event_types !== undefined) endpoint.eventTypes = normalizeFilter(input.event_types);
        if (input.headers !== undefined) endpoint.headers = withStoredCredentials(input.headers, endpoint.headers);
        if (input.timeout_seconds !== undefined) endpoint.timeoutSeconds = input.timeout_seconds;
        if (input.metadata !== undefined) endpoint.metadata = input.metadata;
        if (input.rate_limit_per_second !== undefined) endpoint.rateLimitPerSecond = input.rate_limit_per_second;

        const previousStatus = endpoint.status;
        const statusChanged = nextStatus !== undefined && nextStatus !== previousStatus;
        if (statusChanged && previousStatus === 'disabled') {
          // Re-enabled: a failing run from before starts over, or auto-disable would strike again at once.
          endpoint.consecutiveFailures = 0;
          endpoint.failingSince = null;
          endpoint.failingNotifiedAt = null;
        }
        const changes = { ...input, ...(statusChanged && { status: { from: previousStatus, to: nextStatus } }) };
        if (statusChanged && nextStatus === 'disabled') {
          // The other fields first: disabling writes the row itself, and the entity is read back after it.
          await tx.flush();
          stopped = await disableEndpoint(tx, { endpoint, reason: 'manual', actor, changes });
          await tx.refresh(endpoint);
          return { endpoint, statusChanged };
        }
        if (statusChanged) {
          endpoint.status = nextStatus;
          endpoint.pausedAt = nextStatus === 'paused' ? new Date() : null;
          endpoint.disabledReason = null;
        }
        audit(tx, actor, { action: 'endpoint.updated', resourceType: 'endpoint', resourceId: endpoint.id, changes });
        return { endpoint, statusChanged };
      });

      if (statusChanged) {
        if (nextStatus === 'disabled') await wakeStoppedDeliveries(workflows, stopped);
        else if (nextStatus) await signalInFlight(em, workflows, endpoint.id, nextStatus);
      }
      return endpoint;
    },
  };
}

/** Tells the in-flight delivery workflows of a paused or resumed endpoint about the change. */
async function signalInFlight(em: EntityManager, workflows: DeliveryWorkflows, endpointId: string, status: 'active' | 'paused'): Promise<void> {
  const ids = (await em.find(Delivery, { endpointId, status: 'pending' }, { fields: ['id'] })).map((d) => d.id);
  await signalDeliveries(workflows, ids, status === 'paused' ? 'pause' : 'resume');
}
