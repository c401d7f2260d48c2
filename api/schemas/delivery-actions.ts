import { z } from 'zod';
import { TimestampSchema } from './common.js';

/** Replay and retry take no input; an empty object (or no body at all) is accepted, anything else is a 422. */
export const DeliveryActionBodySchema = z.object({}).strict().optional();
export type DeliveryActionBody = z.infer<typeof DeliveryActionBodySchema>;

const Timestamp = TimestampSchema;

/** `POST /endpoints/{id}/recover`: the window `[since, until)` of original deliveries to replay. */
export const EndpointRecoverSchema = z
  .object({
    since: Timestamp,
    /** Defaults to now. */
    until: Timestamp.optional(),
  })
  .strict()
  .refine((w) => w.until === undefined || Date.parse(w.since) < Date.parse(w.until), {
    path: ['until'],
    message: 'must be after "since"',
  });
export type EndpointRecover = z.infer<typeof EndpointRecoverSchema>;

export const EndpointRecoverResultSchema = z.object({
  replayed: z.number().int().describe('Deliveries replayed by this call'),
});
