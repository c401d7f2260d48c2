/**
 * Generates a migration from the difference between the entities and the committed snapshot,
 * against a throwaway embedded database. Review the file, then add it to migrations/index.ts.
 * Usage: npm run migration:create -- [name]
 */
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createOrm } from '../src/db/orm.js';

const pg = await startEmbeddedPostgres({});
const orm = await createOrm(pg.url, { max: 1 });
try {
  await orm.migrator.up();
  const result = await orm.migrator.create(undefined, false, false, process.argv[2]);
  console.log(result.fileName ? `created migrations/${result.fileName}` : 'no changes');
} finally {
  await orm.close();
  await pg.stop();
}
