import { z } from 'zod';
import { PaginationQuerySchema, TimestampSchema } from './common.js';
import { SEND_ERROR_CODES } from '../delivery/send-error.js';

export const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed', 'dead_letter']);

export const DeliveryListQuerySchema = PaginationQuerySchema.extend({
  endpoint_id: z.string().max(64).optional(),
  status: DeliveryStatusSchema.optional(),
  event_type: z.string().max(200).optional(),
  after: TimestampSchema.optional(),
  before: TimestampSchema.optional(),
}).strict();
export type DeliveryListQuery = z.infer<typeof DeliveryListQuerySchema>;

export const DeliverySchema = z.object({
  id: z.string(),
  object: z.literal('delivery'),
  event_id: z.string(),
  endpoint_id: z.string(),
  event_type: z.string(),
  status: DeliveryStatusSchema,
  attempt_count: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_response_status: z.number().int().nullable(),
  delivered_at: z.string().nullable(),
  replay_of: z.string().nullable(),
  failure_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  links: z.object({ temporal_ui: z.string().nullable() }),
});

export const AttemptSchema = z.object({
  id: z.string(),
  attempt: z.number().int(),
  started_at: z.string(),
  duration_ms: z.number().int(),
  request_headers: z.record(z.string(), z.string()),
  response_status: z.number().int().nullable(),
  response_headers: z.record(z.string(), z.string()).nullable(),
  response_body: z.string().nullable(),
  error: z.string().nullable(),
  error_code: z
    .enum(SEND_ERROR_CODES)
    .nullable()
    .describe('Why there was no HTTP answer: `blocked_address` (the SSRF guard refused the address; nothing was connected), `timeout`, `invalid_url` or `connection_failed`'),
});

export const DeliveryDetailSchema = DeliverySchema.extend({
  payload: z.unknown(),
  attempts: z.array(AttemptSchema),
});

/** Replay and retry take no input; an empty object (or no body at all) is accepted, anything else is a 422. */
export const DeliveryActionBodySchema = z.object({}).strict().optional();
export type DeliveryActionBody = z.infer<typeof DeliveryActionBodySchema>;
