import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes every delivery workflow carries (registered on the dev server at start). */
export const searchAttributes = {
  tenantId: defineSearchAttributeKey('WebhookTenantId', SearchAttributeType.KEYWORD),
  endpointId: defineSearchAttributeKey('WebhookEndpointId', SearchAttributeType.KEYWORD),
  eventType: defineSearchAttributeKey('WebhookEventType', SearchAttributeType.KEYWORD),
  deliveryStatus: defineSearchAttributeKey('WebhookDeliveryStatus', SearchAttributeType.KEYWORD),
} as const;

/** The endpoint was paused: hold between attempts. */
export const pauseSignal = defineSignal('pause');
/** The endpoint is active again: release a held delivery at once. */
export const resumeSignal = defineSignal('resume');
/** Skip the rest of the current backoff and attempt now. */
export const attemptNowSignal = defineSignal('attemptNow');

export interface DeliveryState {
  phase: 'starting' | 'attempting' | 'backoff' | 'throttled' | 'held' | 'done';
  attempts: number;
  nextAttemptAt: string | null;
  paused: boolean;
}
export const statusQuery = defineQuery<DeliveryState>('status');

export interface DeliverWebhookInput {
  deliveryId: string;
}

export interface DeliverWebhookResult {
  status: 'delivered' | 'failed';
  attempts: number;
  reason?: string;
}
