import { z } from 'zod';
import { isValidSigningSecret } from '../delivery/secrets.js';
import { httpUrl, IdParamsSchema, JsonObjectSchema, PaginationQuerySchema, TimestampSchema } from './common.js';

/** Headers a caller may never set: they belong to the signature, the transport or the hop. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
]);

const HeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'not a valid header name')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()) && !name.toLowerCase().startsWith('webhook-'), {
    message: 'this header is set by Hookline and cannot be overridden',
  });

export const HeadersSchema = z
  .record(HeaderName, z.string().max(4096).regex(/^[^\r\n\0]*$/, 'header values may not contain line breaks'))
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 custom headers');

export const EndpointUrlSchema = httpUrl(
  'credentials in the URL are not allowed; send them in `headers`, whose credential values are never shown',
);

export const EventTypeFilterSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/, 'an event type such as "invoice.paid", a prefix such as "invoice.*", or "*"');

export const EndpointStatusSchema = z.enum(['active', 'paused', 'disabled']);

const fields = {
  name: z.string().min(1).max(200).nullable(),
  description: z.string().max(2000).nullable(),
  event_types: z.array(EventTypeFilterSchema).max(100),
  headers: HeadersSchema,
  timeout_seconds: z.number().int().min(1).max(30),
  status: EndpointStatusSchema,
  metadata: JsonObjectSchema.refine((m) => JSON.stringify(m).length <= 16_384, 'metadata is limited to 16 KiB'),
  rate_limit_per_second: z.number().int().min(1).max(10_000).nullable(),
};

/** What create and update both take, each optional. */
const settableFields = {
  name: fields.name.optional(),
  description: fields.description.optional(),
  event_types: fields.event_types.optional(),
  headers: fields.headers.optional(),
  timeout_seconds: fields.timeout_seconds.optional(),
  status: fields.status.optional(),
  metadata: fields.metadata.optional(),
  rate_limit_per_second: fields.rate_limit_per_second.optional(),
};

export const EndpointCreateSchema = z
  .object({
    url: EndpointUrlSchema,
    ...settableFields,
    secret: z
      .string()
      .refine(isValidSigningSecret, 'expected "whsec_" followed by base64 of 24 to 64 bytes')
      .optional(),
  })
  .strict();
export type EndpointCreate = z.infer<typeof EndpointCreateSchema>;

export const EndpointUpdateSchema = z
  .object({
    url: EndpointUrlSchema.optional(),
    ...settableFields,
    active: z.boolean().optional(),
  })
  .strict();
export type EndpointUpdate = z.infer<typeof EndpointUpdateSchema>;

export const EndpointListQuerySchema = PaginationQuerySchema.extend({
  status: EndpointStatusSchema.optional(),
  event_type: z.string().max(200).optional(),
}).strict();
export type EndpointListQuery = z.infer<typeof EndpointListQuerySchema>;

export const EndpointParamsSchema = IdParamsSchema;

export const EndpointSchema = z.object({
  id: z.string(),
  object: z.literal('endpoint'),
  name: z.string().nullable(),
  url: z.string(),
  description: z.string().nullable(),
  event_types: z.array(z.string()),
  headers: z.record(z.string(), z.string()),
  timeout_seconds: z.number().int(),
  status: EndpointStatusSchema,
  active: z.boolean(),
  disabled_reason: z.string().nullable(),
  paused_at: z.string().nullable(),
  verification: z.object({
    status: z.enum(['pending', 'verified', 'failed']),
    verified_at: z.string().nullable(),
    reason: z.string().nullable(),
  }),
  metadata: z.record(z.string(), z.unknown()),
  rate_limit_per_second: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const EndpointWithSecretSchema = EndpointSchema.extend({ signing_secret: z.string() });

// The actions of one endpoint: `/endpoints/{id}/<action>`.

/** How long the previous secret keeps signing after a rotation, unless the caller says otherwise. */
export const DEFAULT_GRACE_PERIOD_SECONDS = 24 * 60 * 60;
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 60 * 60;

/** The event type of `POST /endpoints/{id}/test` when the caller names none. */
export const TEST_EVENT_TYPE = 'webhook.test';

const STATS_WINDOW_PATTERN = /^[1-9][0-9]{0,6}[mhd]$/;
const MAX_STATS_WINDOW_SECONDS = 90 * 24 * 60 * 60;
const WINDOW_UNIT_SECONDS = { m: 60, h: 60 * 60, d: 24 * 60 * 60 } as const;

/** `30m`, `24h`, `7d` … as seconds; `undefined` when malformed, zero or longer than 90 days. */
export function parseStatsWindow(window: string): number | undefined {
  if (!STATS_WINDOW_PATTERN.test(window)) return undefined;
  const seconds = Number(window.slice(0, -1)) * WINDOW_UNIT_SECONDS[window.slice(-1) as keyof typeof WINDOW_UNIT_SECONDS];
  return seconds <= MAX_STATS_WINDOW_SECONDS ? seconds : undefined;
}

/** A stats window checked once, here: services take it as it comes from the request. */
export const StatsWindowSchema = z
  .string()
  .regex(STATS_WINDOW_PATTERN, { message: 'expected <n>m, <n>h or <n>d (e.g. "24h")', abort: true })
  .refine((w) => parseStatsWindow(w) !== undefined, 'at most 90 days')
  .brand<'StatsWindow'>();
export type StatsWindow = z.infer<typeof StatsWindowSchema>;
export const DEFAULT_STATS_WINDOW = '24h' as StatsWindow;

/** How many buckets the stats' `series` splits the window into. */
export const STATS_SERIES_BUCKETS = 24;

/** The seconds of a checked window (the brand says it parses). */
export const statsWindowSeconds = (window: StatsWindow): number => parseStatsWindow(window)!;

export const EndpointDeletedSchema = z.object({
  id: z.string(),
  object: z.literal('endpoint'),
  deleted: z.literal(true),
  deleted_at: z.string(),
});

export const EndpointRotateSecretSchema = z
  .object({
    grace_period_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_PERIOD_SECONDS)
      .optional()
      .describe(`How long the previous secret keeps signing deliveries (default ${DEFAULT_GRACE_PERIOD_SECONDS}, 0 ends it now)`),
  })
  .strict()
  .default({});
export type EndpointRotateSecret = z.infer<typeof EndpointRotateSecretSchema>;

export const EndpointSecretRotatedSchema = EndpointWithSecretSchema.extend({
  previous_secret_expires_at: z.string().nullable(),
});

export const EndpointTestSchema = z
  .object({
    event_type: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(`A type from the event-type catalogue (default "${TEST_EVENT_TYPE}")`),
  })
  .strict()
  .default({});
export type EndpointTest = z.infer<typeof EndpointTestSchema>;

export const EndpointStatsQuerySchema = z
  .object({
    window: StatsWindowSchema.default(DEFAULT_STATS_WINDOW).describe('How far back to look: minutes, hours or days, at most 90 days'),
  })
  .strict();
export type EndpointStatsQuery = z.infer<typeof EndpointStatsQuerySchema>;

const LatencySchema = z.number().nullable();

export const EndpointStatsSchema = z.object({
  object: z.literal('endpoint_stats'),
  endpoint_id: z.string(),
  window: z.string(),
  since: z.string(),
  counts: z.object({
    pending: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    dead_letter: z.number().int(),
  }),
  total: z.number().int(),
  success_rate: z.number().nullable().describe('delivered / (delivered + failed + dead_letter); null when none finished'),
  attempts: z.object({
    count: z.number().int(),
    latency_ms: z.object({ p50: LatencySchema, p95: LatencySchema, p99: LatencySchema }),
  }),
  last_success_at: z.string().nullable(),
  last_failure_at: z.string().nullable(),
  series: z
    .array(
      z.object({
        start: z.string(),
        attempts: z.number().int(),
        succeeded: z.number().int().describe('Attempts answered with a 2xx'),
        success_rate: z.number().nullable().describe('succeeded / attempts; null without attempts'),
        latency_ms: z.object({ p50: LatencySchema, p95: LatencySchema }),
      }),
    )
    .describe(`The window in ${STATS_SERIES_BUCKETS} equal buckets, oldest first: the attempts started in each, for a chart`),
});

export const EndpointDeliveriesPurgedSchema = z.object({
  deleted: z.number().int().describe('Finished deliveries removed, with their attempts'),
});

/** `POST /endpoints/{id}/verify` takes no body; an empty object is accepted, anything else is 422. */
export const EndpointVerifySchema = z.object({}).strict().optional();
export type EndpointVerify = z.infer<typeof EndpointVerifySchema>;

export const VerificationResultSchema = z.object({
  verified: z.boolean(),
  reason: z
    .string()
    .optional()
    .describe('Why the handshake failed: timeout, http_status_<code>, challenge_mismatch, invalid_json, connection_failed: …, blocked_target'),
});
export type VerificationResultBody = z.infer<typeof VerificationResultSchema>;

/** `POST /endpoints/{id}/recover`: the window `[since, until)` of original deliveries to replay. */
export const EndpointRecoverSchema = z
  .object({
    since: TimestampSchema,
    /** Defaults to now. */
    until: TimestampSchema.optional(),
  })
  .strict()
  // The one check of the window: `until` defaults to the time of the request.
  .superRefine((w, ctx) => {
    if (w.until !== undefined) {
      if (Date.parse(w.since) >= Date.parse(w.until)) ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be after "since"' });
    } else if (Date.parse(w.since) >= Date.now()) {
      ctx.addIssue({ code: 'custom', path: ['since'], message: 'must be before "until" (default: now)', params: { type: 'value_error.window' } });
    }
  });
export type EndpointRecover = z.infer<typeof EndpointRecoverSchema>;

export const EndpointRecoverResultSchema = z.object({
  replayed: z.number().int().describe('Deliveries replayed by this call'),
});
