import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecretBox } from '../delivery/secrets.js';
import type { DeliveryWorkflows } from '../temporal/client.js';
import type { EventTypeDefinition } from '../catalog/index.js';
import type { Logger } from '../logger.js';
import type { AddressPolicy } from '../delivery/address-policy.js';

/** What every service of one unit of work shares. */
export interface ServiceContext {
  em: EntityManager;
  secretBox: SecretBox;
  workflows: DeliveryWorkflows;
  catalogue: ReadonlyMap<string, EventTypeDefinition>;
  logger: Logger;
  /** Which endpoint addresses are refused (private targets, unless allowed). */
  addressPolicy: AddressPolicy;
}
