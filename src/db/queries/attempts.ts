import type { EntityManager } from '@mikro-orm/postgresql';
import type { AttemptResponse } from '../../delivery/attempt.js';
import type { SendErrorCode } from '../../delivery/send-error.js';
import type { DeliveryStatus, EndpointStatus, Environment } from '../entities/index.js';

/** Everything one attempt needs, read in one query. */
export interface AttemptContext {
  delivery: {
    id: string;
    status: DeliveryStatus;
    attemptCount: number;
    failureReason: string | null;
    eventType: string;
  };
  /** Null when the endpoint row is gone. */
  endpoint: {
    id: string;
    tenantId: string;
    environment: Environment;
    url: string;
    headers: Record<string, string>;
    timeoutSeconds: number;
    status: EndpointStatus;
    rateLimitPerSecond: number | null;
    secretSealed: string;
    previousSecretSealed: string | null;
    previousSecretExpiresAt: Date | null;
    consecutiveFailures: number;
    failingSince: Date | null;
    failingNotifiedAt: Date | null;
  } | null;
  /** Null when the event row is gone. */
  event: { id: string; type: string; data: Record<string, unknown>; createdAt: Date; test: boolean } | null;
  /** The attempt asked for, when it was recorded already (a step retried after it committed). */
  recorded: { attempt: number; response: AttemptResponse } | null;
}

/** Which attempt: by number, or the first one a workflow run recorded. */
export type AttemptKey = { attempt: number } | { runId: string };

interface ContextRow {
  id: string;
  status: DeliveryStatus;
  attempt_count: number;
  failure_reason: string | null;
  event_type: string;
  ep_id: string | null;
  ep_tenant_id: string;
  ep_environment: Environment;
  ep_url: string;
  ep_headers: Record<string, string>;
  ep_timeout_seconds: number;
  ep_status: EndpointStatus;
  ep_rate_limit_per_second: number | null;
  ep_secret_sealed: string;
  ep_previous_secret_sealed: string | null;
  ep_previous_secret_expires_at: Date | string | null;
  ep_consecutive_failures: number;
  ep_failing_since: Date | string | null;
  ep_failing_notified_at: Date | string | null;
  ev_id: string | null;
  ev_type: string;
  ev_data: Record<string, unknown>;
  ev_created_at: Date | string;
  ev_test: boolean;
  a_attempt: number | null;
  a_response_status: number | null;
  a_response_headers: Record<string, string> | null;
  a_error: string | null;
  a_error_code: SendErrorCode | null;
}

/** Reads a delivery with its endpoint, its event and (when recorded) the attempt of `key`. */
export async function loadAttemptContext(em: EntityManager, deliveryId: string, key: AttemptKey): Promise<AttemptContext | null> {
  const byNumber = 'attempt' in key;
  const [row] = await em.execute<ContextRow[]>(
    `select d.id, d.status, d.attempt_count, d.failure_reason, d.event_type,
            ep.id as ep_id, ep.tenant_id as ep_tenant_id, ep.environment as ep_environment, ep.url as ep_url,
            ep.headers as ep_headers, ep.timeout_seconds as ep_timeout_seconds, ep.status as ep_status,
            ep.rate_limit_per_second as ep_rate_limit_per_second, ep.secret_sealed as ep_secret_sealed,
            ep.previous_secret_sealed as ep_previous_secret_sealed,
            ep.previous_secret_expires_at as ep_previous_secret_expires_at,
            ep.consecutive_failures as ep_consecutive_failures, ep.failing_since as ep_failing_since,
            ep.failing_notified_at as ep_failing_notified_at,
            ev.id as ev_id, ev.type as ev_type, ev.data as ev_data, ev.created_at as ev_created_at, ev.test as ev_test,
            a.attempt as a_attempt, a.response_status as a_response_status,
            a.response_headers as a_response_headers, a.error as a_error, a.error_code as a_error_code
       from deliveries d
       left join endpoints ep on ep.id = d.endpoint_id
       left join events ev on ev.id = d.event_id
       left join lateral (
         select attempt, response_status, response_headers, error, error_code from attempts
          where delivery_id = d.id and ${byNumber ? 'attempt = ?' : 'workflow_run_id = ?'}
          order by attempt limit 1
       ) a on true
      where d.id = ?`,
    [byNumber ? key.attempt : key.runId, deliveryId],
  );
  if (!row) return null;
  return {
    delivery: {
      id: row.id,
      status: row.status,
      attemptCount: row.attempt_count,
      failureReason: row.failure_reason,
      eventType: row.event_type,
    },
    endpoint: row.ep_id
      ? {
          id: row.ep_id,
          tenantId: row.ep_tenant_id,
          environment: row.ep_environment,
          url: row.ep_url,
          headers: row.ep_headers,
          timeoutSeconds: row.ep_timeout_seconds,
          status: row.ep_status,
          rateLimitPerSecond: row.ep_rate_limit_per_second,
          secretSealed: row.ep_secret_sealed,
          previousSecretSealed: row.ep_previous_secret_sealed,
          previousSecretExpiresAt: toDate(row.ep_previous_secret_expires_at),
          consecutiveFailures: row.ep_consecutive_failures,
          failingSince: toDate(row.ep_failing_since),
          failingNotifiedAt: toDate(row.ep_failing_notified_at),
        }
      : null,
    event: row.ev_id
      ? { id: row.ev_id, type: row.ev_type, data: row.ev_data, createdAt: toDate(row.ev_created_at)!, test: row.ev_test }
      : null,
    recorded:
      row.a_attempt === null
        ? null
        : {
            attempt: row.a_attempt,
            response: { status: row.a_response_status, headers: row.a_response_headers, error: row.a_error, errorCode: row.a_error_code },
          },
  };
}

/** One attempt as it is recorded. */
export interface AttemptRecord {
  id: string;
  deliveryId: string;
  attempt: number;
  workflowRunId: string | null;
  startedAt: Date;
  durationMs: number;
  url: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  error: string | null;
  errorCode: SendErrorCode | null;
  /** The receiver accepted it: the delivery is delivered. */
  accepted: boolean;
  /** The receiver answered 410: the delivery ends `failed` (`gone`). */
  gone: boolean;
  /** When the next attempt is due (a failure with retries left), for the API to show. */
  nextAttemptAt: Date | null;
}

/** An endpoint's row as an attempt's follow-up sees it, locked. */
export interface EndpointHealthRow {
  status: EndpointStatus;
  consecutiveFailures: number;
  failingSince: Date | null;
  failingNotifiedAt: Date | null;
}

/** The health fields an attempt changes; a 410's disable is written by `disableEndpoint` in the same transaction. */
export type EndpointChange = Partial<Omit<EndpointHealthRow, 'status'>>;

const RECORD_SQL = `with inserted as (
    insert into attempts (id, delivery_id, attempt, workflow_run_id, started_at, duration_ms, url, request_headers,
                          response_status, response_headers, response_body, error, error_code, created_at)
    values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?, ?, ?, now())
    on conflict (delivery_id, attempt) do nothing
    returning delivery_id
  ), updated as (
    update deliveries d
       set attempt_count = greatest(d.attempt_count, ?),
           last_response_status = ?,
           next_attempt_at = ?,
           status = case when ? then 'delivered' when ? then 'failed' else d.status end,
           delivered_at = case when ? then now() else d.delivered_at end,
           failure_reason = case when ? then 'gone' else d.failure_reason end,
           updated_at = now()
     where d.id in (select delivery_id from inserted)
    returning d.id
  )
  select (select count(*) from inserted)::int as recorded`;

/**
 * Records an attempt and its effect on the delivery in one statement, or nothing when that
 * attempt was recorded before (the step ran twice): the unique key on (delivery, attempt)
 * decides, and the caller answers with the first record. When `changeEndpoint` is given, the
 * endpoint row is locked and changed in the same transaction `tx` it is handed (its health, and
 * whatever it writes itself: a 410's disable).
 * Resolves true when this call recorded the attempt.
 */
export async function recordAttempt(
  em: EntityManager,
  record: AttemptRecord,
  endpointId: string,
  changeEndpoint?: (row: EndpointHealthRow, tx: EntityManager) => Promise<EndpointChange | null>,
): Promise<boolean> {
  const params = [
    record.id,
    record.deliveryId,
    record.attempt,
    record.workflowRunId,
    record.startedAt,
    record.durationMs,
    record.url,
    JSON.stringify(record.requestHeaders),
    record.responseStatus,
    record.responseHeaders === null ? null : JSON.stringify(record.responseHeaders),
    record.responseBody,
    record.error,
    record.errorCode,
    record.attempt,
    record.responseStatus,
    record.nextAttemptAt,
    record.accepted,
    record.gone,
    record.accepted,
    record.gone,
  ];
  if (!changeEndpoint) {
    const [row] = await em.execute<{ recorded: number }[]>(RECORD_SQL, params);
    return (row?.recorded ?? 0) > 0;
  }
  return em.transactional(async (tx) => {
    const [row] = await tx.execute<{ recorded: number }[]>(RECORD_SQL, params);
    if ((row?.recorded ?? 0) === 0) return false;
    const [ep] = await tx.execute<{ status: EndpointStatus; consecutive_failures: number; failing_since: Date | string | null; failing_notified_at: Date | string | null }[]>(
      `select status, consecutive_failures, failing_since, failing_notified_at from endpoints where id = ? for update`,
      [endpointId],
    );
    if (!ep) return true;
    const change = await changeEndpoint(
      {
        status: ep.status,
        consecutiveFailures: ep.consecutive_failures,
        failingSince: toDate(ep.failing_since),
        failingNotifiedAt: toDate(ep.failing_notified_at),
      },
      tx,
    );
    if (change && Object.keys(change).length > 0) {
      const columns: Record<keyof EndpointChange, string> = {
        consecutiveFailures: 'consecutive_failures',
        failingSince: 'failing_since',
        failingNotifiedAt: 'failing_notified_at',
      };
      const entries = Object.entries(change).filter(([, v]) => v !== undefined) as [keyof EndpointChange, unknown][];
      await tx.execute(
        `update endpoints set ${entries.map(([k]) => `${columns[k]} = ?`).join(', ')}, updated_at = now() where id = ?`,
        [...entries.map(([, v]) => v), endpointId],
      );
    }
    return true;
  });
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}
