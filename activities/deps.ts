import type { Client } from '@temporalio/client';
import type { Orm } from '../src/db/orm.js';
import type { SecretBox } from '../src/delivery/secrets.js';
import type { HttpSender } from '../src/delivery/http-sender.js';
import type { DeliveryWorkflows } from '../src/temporal/client.js';
import type { OperationalEventPublisher } from '../src/services/operational-events.js';
import type { HousekeepingConfig } from '../src/config.js';
import type { Logger } from '../src/logger.js';

export interface ActivityDeps {
  orm: Orm;
  secretBox: SecretBox;
  sender: HttpSender;
  logger: Logger;
  /** The Temporal client: the reconciler looks up delivery workflows with it. */
  temporal: Client;
  /** Starts and signals delivery workflows (reconciler, auto-disable). */
  workflows: DeliveryWorkflows;
  /** `endpoint.failing`, `endpoint.recovered`, `endpoint.disabled`, `delivery.dead_lettered`. */
  operationalEvents: OperationalEventPublisher;
  delivery: {
    retryScheduleSeconds: number[];
    maxRetryIntervalSeconds: number;
    holdDeadlineSeconds: number;
  };
  verification: {
    /** The receiver's limit to answer a handshake (HOOKLINE_VERIFY_TIMEOUT_SECONDS). */
    timeoutSeconds: number;
  };
  housekeeping: Pick<HousekeepingConfig, 'autoDisableAfterSeconds' | 'retentionDays' | 'tenants'>;
}
