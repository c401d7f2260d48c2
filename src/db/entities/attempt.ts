import { defineEntity, p } from '@mikro-orm/core';

const AttemptSchema = defineEntity({
  name: 'Attempt',
  tableName: 'attempts',
  properties: {
    id: p.string().length(40).primary(),
    deliveryId: p.string().length(40).index(),
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
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Attempt extends AttemptSchema.class {}
AttemptSchema.setClass(Attempt);
