import { z } from 'zod';

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
