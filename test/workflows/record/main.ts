/**
 * `npm run histories:record`: runs every scenario of ./*-scenarios.ts against a Temporal dev
 * server, with the real activities, PostgreSQL and loopback receivers, and writes each closed
 * workflow's history to test/workflows/histories/<name>.json (the JSON of `temporal workflow show
 * --output json`), which the replay test then holds the workflow code to.
 *
 * A history already on disk is left alone: committed histories record what running workflows
 * did, and stay. `-- --only a,b` records only the named scenarios; `-- --overwrite` replaces
 * their files (only for a history of code that never ran in production).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createOrm } from '../../../src/db/orm.js';
import { startDevServer } from '../../../src/temporal/dev-server.js';
import { installTemporalRuntime } from '../../../src/temporal/runtime.js';
import { createLogger } from '../../../src/logger.js';
import { bundleWorkflows } from '../../../src/temporal/worker.js';
import { runDatabase } from '../../helpers/database.js';
import { historyText } from '../../helpers/history.js';
import { receiverPool } from '../../helpers/receiver.js';
import { openHarness, type Harness } from '../harness.js';
import { deliveryScenarios } from './delivery-scenarios.js';
import { otherScenarios } from './other-scenarios.js';
import { PAYLOAD_MARKER, type Scenario } from './scenario.js';

const HISTORIES_DIR = resolve(import.meta.dirname, '../histories');
const scenarios = [...deliveryScenarios, ...otherScenarios];

const { values: args } = parseArgs({ options: { only: { type: 'string' }, overwrite: { type: 'boolean', default: false } } });
const only = args.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((name) => !scenarios.some((s) => s.name === name)) ?? [];
if (unknown.length > 0) throw new Error(`no such scenario: ${unknown.join(', ')}`);
const chosen = scenarios.filter((s) => (only ? only.includes(s.name) : true) && (args.overwrite || !existsSync(fileOf(s))));

function fileOf(scenario: Scenario): string {
  return join(HISTORIES_DIR, `${scenario.name}.json`);
}

if (chosen.length === 0) {
  console.log('every scenario has its history already (see --only and --overwrite)');
} else {
  await recordAll(chosen);
}

async function recordAll(list: Scenario[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-histories-'));
  // Before the dev server, whose start instantiates the SDK's runtime.
  installTemporalRuntime(createLogger(process.env.LOG_LEVEL ?? 'silent', 'hookline-history-recorder'));
  const [devServer, bundle] = await Promise.all([startDevServer({ ui: false }), bundleWorkflows()]);
  const workflowBundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  const external = process.env.DATABASE_URL;
  const database = await runDatabase(external);
  const databaseUrl = database.url;
  let harness: Harness | undefined;
  try {
    const orm = await createOrm(databaseUrl, { max: 1 });
    await orm.migrator.up();
    await orm.close();
    const keyMaterial = randomBytes(32).toString('base64');
    harness = await openHarness(
      { databaseUrl, temporalAddress: devServer.address, namespace: devServer.namespace, encryptionKeys: `rec:${keyMaterial}`, workflowBundlePath },
      { identity: 'hookline-history-recorder' },
    );
    mkdirSync(HISTORIES_DIR, { recursive: true });
    for (const scenario of list) await record(harness, scenario, [keyMaterial, PAYLOAD_MARKER]);
  } finally {
    await harness?.close();
    await devServer.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function record(harness: Harness, scenario: Scenario, forbidden: string[]): Promise<void> {
  const started = Date.now();
  const tenantId = `t_rec_${randomBytes(4).toString('hex')}`;
  const worker = await harness.startWorker({
    ...scenario.worker,
    housekeeping: { ...scenario.worker?.housekeeping, tenants: [tenantId] },
  });
  const receivers = receiverPool();
  const secrets = [...forbidden];
  try {
    const tenant = await worker.newTenant(tenantId);
    const handle = await scenario.run({
      harness,
      worker,
      tenant,
      receiver: receivers.start,
      secret: (value) => secrets.push(value, value.replace(/^whsec_/, '')),
    });
    const history = await handle.fetchHistory();
    const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    if (type !== scenario.workflowType) throw new Error(`${scenario.name}: recorded a ${type} workflow`);
    const text = historyText(history);
    const leaked = secrets.filter((secret) => text.includes(secret));
    if (leaked.length > 0) throw new Error(`${scenario.name}: the history holds a secret or payload; nothing written`);
    writeFileSync(fileOf(scenario), `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    console.log(`${scenario.name}: ${history.events?.length} events (${Date.now() - started} ms)`);
  } finally {
    await worker.stop();
    await receivers.closeAll();
  }
}
