import { fileURLToPath } from 'node:url';
import { MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities/index.js';
import { migrationsList } from '../../migrations/index.js';

export type Orm = MikroORM;

const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

/** MikroORM options for a database URL. Migrations are a static list, so bundled builds find them too. */
export function ormOptions(clientUrl: string, pool: { min?: number; max?: number } = {}): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    entities,
    extensions: [Migrator],
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
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
