import { z } from 'zod';
import { ENVIRONMENTS } from '../db/entities/index.js';
import { httpUrl, IdParamsSchema } from './common.js';
import { EventTypeFilterSchema } from './endpoints.js';

/** A portal session lasts an hour unless asked otherwise, a day at most. */
export const PORTAL_SESSION_DEFAULT_SECONDS = 3600;
export const PORTAL_SESSION_MAX_SECONDS = 24 * 3600;

const ReturnUrlSchema = httpUrl('credentials in the URL are not allowed');

export const PortalSessionCreateSchema = z
  .object({
    tenant_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe("The tenant whose customer the portal serves; another tenant than the caller's needs the `admin` scope."),
    expires_in: z
      .number()
      .int()
      .min(60)
      .max(PORTAL_SESSION_MAX_SECONDS)
      .default(PORTAL_SESSION_DEFAULT_SECONDS)
      .describe('Seconds until the session ends (default 3600, at most 86400).'),
    read_only: z.boolean().default(false).describe('The customer may look but not change anything.'),
    event_types: z
      .array(EventTypeFilterSchema)
      .min(1)
      .max(100)
      .optional()
      .describe('The event types (or prefixes such as "invoice.*") the customer may subscribe to and sees in the catalogue; by default all of them.'),
    return_url: ReturnUrlSchema.optional().describe("Where the portal's Back link leads (the platform's own page)."),
  })
  .strict();
export type PortalSessionCreate = z.infer<typeof PortalSessionCreateSchema>;

export const PortalSessionParamsSchema = IdParamsSchema;

export const PortalSessionSchema = z
  .object({
    id: z.string(),
    object: z.literal('portal_session'),
    tenant_id: z.string(),
    environment: z.enum(ENVIRONMENTS),
    read_only: z.boolean(),
    event_types: z.array(z.string()).nullable(),
    return_url: z.string().nullable(),
    created_at: z.string(),
    expires_at: z.string(),
    revoked_at: z.string().nullable(),
  });

export const PortalSessionCreatedSchema = PortalSessionSchema.extend({
  token: z.string().describe('The bearer token of the portal routes, shown only here. It is not an API key.'),
  url: z.string().describe('The portal page with the token in its fragment, to open or embed in an iframe.'),
});
