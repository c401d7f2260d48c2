import { fileURLToPath } from 'node:url';
import { MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities/index.js';
import { migrationsList } from '../../migrations/index.js';

export type Orm = MikroORM;

const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * How long a query waits for a pooled connection, or for a new one to be made: past it, an
 * unreachable (or saturated) database is an error the API answers with 503, not a request that hangs.
 */
export const DATABASE_ACQUIRE_TIMEOUT_MS = 5000;

/** MikroORM options for a database URL. Migrations are a static list, so bundled builds find them too. */
export function ormOptions(clientUrl: string, pool: { min?: number; max?: number } = {}): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    entities,
    extensions: [Migrator],
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    // Handed to pg's Pool: `connectionTimeoutMillis` bounds both the wait for a free connection and
    // the connect itself; keep-alive lets a connection to a vanished host fail instead of hanging.
    driverOptions: { connectionTimeoutMillis: DATABASE_ACQUIRE_TIMEOUT_MS, keepAlive: true },
    debug: false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    migrations: {
      path: migrationsDir,
      pathTs: migrationsDir,
      emit: 'ts',
      snapshot: true,
      snapshotOnMigrate: false,
      snapshotName: '.snapshot-hookline',
      migrationsList,
      silent: true,
    },
  };
}

/** Connects MikroORM to `clientUrl`. */
export async function createOrm(clientUrl: string, pool?: { min?: number; max?: number }): Promise<Orm> {
  return MikroORM.init(ormOptions(clientUrl, pool));
}

/** Applies every pending committed migration. */
export async function migrate(orm: Orm): Promise<void> {
  await orm.migrator.up();
}
