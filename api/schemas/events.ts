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
