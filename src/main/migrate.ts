/** Applies the committed migrations to DATABASE_URL (or the embedded database). */
import { loadConfig } from '../config.js';
import { startEmbeddedPostgres } from '../db/embedded.js';
import { createOrm } from '../db/orm.js';
import { exitOnConfigError } from './runtime.js';

try {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const orm = await createOrm(config.databaseUrl ?? embedded!.url, { max: 1 });
  const applied = await orm.migrator.up();
  console.log(applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'schema is up to date');
  await orm.close();
  await embedded?.stop();
} catch (err) {
  exitOnConfigError(err);
}
