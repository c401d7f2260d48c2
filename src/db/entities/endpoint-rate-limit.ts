import { defineEntity, p } from '@mikro-orm/core';

/**
 * The token bucket of an endpoint's `rate_limit_per_second`, shared by every worker: one row
 * per limited endpoint, updated atomically by a single SQL statement per token.
 */
const EndpointRateLimitSchema = defineEntity({
  name: 'EndpointRateLimit',
  tableName: 'endpoint_rate_limits',
  properties: {
    endpointId: p.string().length(40).primary(),
    /** Tokens left, in thousandths of a token. */
    tokensMilli: p.integer(),
    refilledAt: p.datetime(),
  },
});

export class EndpointRateLimit extends EndpointRateLimitSchema.class {}
EndpointRateLimitSchema.setClass(EndpointRateLimit);
