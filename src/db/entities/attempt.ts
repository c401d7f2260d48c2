import { defineEntity, p } from '@mikro-orm/core';
import { SEND_ERROR_CODES } from '../../delivery/send-error.js';

const AttemptSchema = defineEntity({
  name: 'Attempt',
  tableName: 'attempts',
  properties: {
    id: p.string().length(40).primary(),
    deliveryId: p.string().length(40),
    attempt: p.integer(),
    startedAt: p.datetime(),
    durationMs: p.integer(),
    url: p.text(),
    requestHeaders: p.json<Record<string, string>>(),
    responseStatus: p.integer().nullable(),
    responseHeaders: p.json<Record<string, string>>().nullable(),
    /** The first 4 KiB of the response body. */
    responseBody: p.text().nullable(),
    error: p.text().nullable(),
    /** Why there was no HTTP answer (`blocked_address`, `timeout` …), null when there was one. */
    errorCode: p.enum(SEND_ERROR_CODES).nullable(),
    /** The Temporal run that made the attempt: a retried first attempt finds its own. */
    workflowRunId: p.string().length(64).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // A retried step records an attempt once: the second writer finds the first one's outcome.
  uniques: [{ name: 'attempts_delivery_attempt_unique', properties: ['deliveryId', 'attempt'] }],
});

export class Attempt extends AttemptSchema.class {}
AttemptSchema.setClass(Attempt);
