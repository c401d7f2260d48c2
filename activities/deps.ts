import type { Orm } from '../src/db/orm.js';
import type { SecretBox } from '../src/delivery/secrets.js';
import type { HttpSender } from '../src/delivery/http-sender.js';
import type { Logger } from '../src/logger.js';

export interface ActivityDeps {
  orm: Orm;
  secretBox: SecretBox;
  sender: HttpSender;
  logger: Logger;
  delivery: {
    retryScheduleSeconds: number[];
    maxRetryIntervalSeconds: number;
    holdDeadlineSeconds: number;
  };
  verification: {
    /** The receiver's limit to answer a handshake (HOOKLINE_VERIFY_TIMEOUT_SECONDS). */
    timeoutSeconds: number;
  };
}
