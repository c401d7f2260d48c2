import { z } from 'zod';
import { PaginationQuerySchema, TimestampSchema } from './common.js';

export const AuditLogQuerySchema = PaginationQuerySchema.extend({
  resource_id: z.string().max(40).optional(),
  resource_type: z.string().max(50).optional(),
  action: z.string().max(100).optional(),
  after: TimestampSchema.optional(),
  before: TimestampSchema.optional(),
}).strict();
export type AuditLogQuery = z.infer<typeof AuditLogQuerySchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  object: z.literal('audit_entry'),
  /** Who made the change, e.g. `api_key:key_01J…`. */
  actor: z.string(),
  action: z.string(),
  resource_type: z.string(),
  resource_id: z.string(),
  changes: z.record(z.string(), z.unknown()),
  request_id: z.string().nullable(),
  created_at: z.string(),
});
