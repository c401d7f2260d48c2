import { z } from 'zod';
import { JsonObjectSchema } from './common.js';

export const EventPublishSchema = z
  .object({
    type: z.string().min(1).max(200),
    data: JsonObjectSchema,
    id: z.string().min(1).max(255).optional(),
  })
  .strict();
export type EventPublish = z.infer<typeof EventPublishSchema>;

export const EventAcceptedSchema = z.object({
  id: z.string(),
  object: z.literal('event'),
  type: z.string(),
  created_at: z.string(),
  deliveries: z.number().int(),
});

export const EventSchema = z.object({
  id: z.string(),
  object: z.literal('event'),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});

export const EventTypeSchema = z.object({
  name: z.string(),
  description: z.string(),
  schema: z.record(z.string(), z.unknown()).optional(),
});

export const EventTypeListSchema = z.object({
  object: z.literal('list'),
  data: z.array(EventTypeSchema),
  has_more: z.boolean(),
  next_cursor: z.null(),
});
