import { z } from 'zod';
import { isValidSigningSecret } from '../../src/delivery/secrets.js';
import { IdParamsSchema, JsonObjectSchema, PaginationQuerySchema } from './common.js';

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

export const EndpointUrlSchema = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL')
  .refine((u) => {
    const parsed = URL.parse(u);
    return !parsed || (parsed.username === '' && parsed.password === '');
  }, 'credentials in the URL are not allowed; send them in `headers`, whose credential values are never shown');

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

export const EndpointCreateSchema = z
  .object({
    url: EndpointUrlSchema,
    name: fields.name.optional(),
    description: fields.description.optional(),
    event_types: fields.event_types.optional(),
    headers: fields.headers.optional(),
    timeout_seconds: fields.timeout_seconds.optional(),
    status: fields.status.optional(),
    metadata: fields.metadata.optional(),
    rate_limit_per_second: fields.rate_limit_per_second.optional(),
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
    name: fields.name.optional(),
    description: fields.description.optional(),
    event_types: fields.event_types.optional(),
    headers: fields.headers.optional(),
    timeout_seconds: fields.timeout_seconds.optional(),
    status: fields.status.optional(),
    active: z.boolean().optional(),
    metadata: fields.metadata.optional(),
    rate_limit_per_second: fields.rate_limit_per_second.optional(),
  })
  .strict();
export type EndpointUpdate = z.infer<typeof EndpointUpdateSchema>;

export const EndpointListQuerySchema = PaginationQuerySchema.extend({
  status: EndpointStatusSchema.optional(),
  event_type: z.string().max(200).optional(),
}).strict();

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
