import { z } from 'zod';
import { DEFAULT_GRACE_PERIOD_SECONDS, MAX_GRACE_PERIOD_SECONDS } from '../../src/services/endpoints/rotate-secret.js';
import { DEFAULT_STATS_WINDOW, parseStatsWindow } from '../../src/services/endpoints/stats.js';
import { TEST_EVENT_TYPE } from '../../src/services/endpoints/test.js';
import { EndpointWithSecretSchema } from './endpoints.js';

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
    window: z
      .string()
      .regex(/^[1-9][0-9]{0,6}[mhd]$/, { message: 'expected <n>m, <n>h or <n>d (e.g. "24h")', abort: true })
      .refine((w) => parseStatsWindow(w) !== undefined, 'at most 90 days')
      .default(DEFAULT_STATS_WINDOW)
      .describe('How far back to look: minutes, hours or days, at most 90 days'),
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
});

export const EndpointDeliveriesPurgedSchema = z.object({
  deleted: z.number().int().describe('Finished deliveries removed, with their attempts'),
});
