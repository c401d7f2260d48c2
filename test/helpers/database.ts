import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createOrm } from '../../src/db/orm.js';
import type { TestEnvironment } from './global-setup.js';

export interface PrivateDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the server of `baseUrl`. */
export async function freshDatabase(baseUrl: string): Promise<PrivateDatabase> {
  const name = `hookline_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

/**
 * An empty database for a run: a fresh one on the server of `DATABASE_URL` when it is set, the
 * embedded PGlite otherwise. `drop` removes it (or stops the embedded server).
 */
export async function runDatabase(externalUrl: string | undefined): Promise<PrivateDatabase> {
  if (externalUrl) return freshDatabase(externalUrl);
  const embedded = await startEmbeddedPostgres({});
  return { url: embedded.url, drop: () => embedded.stop() };
}

/**
 * A migrated database of one test file's own, for tests that act on every row (re-encrypting the
 * whole database) and must not touch the rows of files running beside them: a new database on
 * the run's PostgreSQL, or a second, in-memory embedded one.
 */
export async function privateDatabase(env: TestEnvironment): Promise<PrivateDatabase> {
  let database: PrivateDatabase;
  if (env.embeddedDatabase) {
    const embedded = await startEmbeddedPostgres({});
    database = { url: embedded.url, drop: () => embedded.stop() };
  } else {
    database = await freshDatabase(env.databaseUrl);
  }
  const orm = await createOrm(database.url, { max: 1 });
  try {
    await orm.migrator.up();
  } finally {
    await orm.close();
  }
  return database;
}
