import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { createOrm } from '../../src/db/orm.js';
import { bundleWorkflows } from '../../src/temporal/worker.js';
import { ensurePortalBuild } from '../../src/portal/build.js';
import { runDatabase } from './database.js';

export interface TestEnvironment {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string;
  namespace: string;
  encryptionKeys: string;
  workflowBundlePath: string;
  embeddedDatabase: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    hookline: TestEnvironment;
  }
}

/** Starts one Temporal dev server and one fresh database for the whole run. */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'hookline-test-'));
  const [devServer, bundle] = await Promise.all([
    startDevServer({ dbFile: join(dir, 'temporal.db'), ui: true, uiPort: 20000 + Math.floor(Math.random() * 20000) }),
    bundleWorkflows(),
    // Once for the run, before the files' stacks start their APIs (which then find it fresh).
    ensurePortalBuild(),
  ]);
  const workflowBundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);

  const external = process.env.DATABASE_URL;
  const database = await runDatabase(external);
  const databaseUrl = database.url;
  const orm = await createOrm(databaseUrl, { max: 1 });
  await orm.migrator.up();
  await orm.close();

  const env: TestEnvironment = {
    databaseUrl,
    temporalAddress: devServer.address,
    temporalUiUrl: devServer.uiUrl!,
    namespace: devServer.namespace,
    encryptionKeys: `test:${randomBytes(32).toString('base64')}`,
    workflowBundlePath,
    embeddedDatabase: !external,
  };
  project.provide('hookline', env);
  console.log(
    `test stack ready in ${Date.now() - started} ms: Temporal ${env.temporalAddress}, UI ${env.temporalUiUrl}, ` +
      `database ${external ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite'}`,
  );

  return async () => {
    await devServer.stop();
    await database.drop();
  };
}
