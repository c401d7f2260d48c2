/**
 * Runs a Temporal server in its production shape for Hookline: PostgreSQL for persistence and
 * visibility, several history shards, the `default` namespace and Hookline's search attributes.
 * Usage: npm run temporal:cluster   (Ctrl-C stops it; its data stays in PostgreSQL)
 * Environment: TEMPORAL_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres),
 * TEMPORAL_PORT (default 7233), TEMPORAL_HISTORY_SHARDS (default 4, fixed once the databases
 * exist), HOOKLINE_DATA_DIR (config and log under <dir>/temporal-cluster).
 */
import { join, resolve } from 'node:path';
import { startTemporalCluster } from '../src/temporal/cluster.js';

const dataDir = resolve(process.env.HOOKLINE_DATA_DIR ?? '.hookline', 'temporal-cluster');
const cluster = await startTemporalCluster({
  postgresUrl: process.env.TEMPORAL_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  dataDir,
  port: Number(process.env.TEMPORAL_PORT ?? 7233),
  historyShards: Number(process.env.TEMPORAL_HISTORY_SHARDS ?? 4),
});
console.log(`Temporal ${cluster.address} (namespace ${cluster.namespace}) is serving; log: ${join(dataDir, 'temporal-server.log')}`);
console.log(`Run Hookline on it: TEMPORAL_ADDRESS=${cluster.address} DATABASE_URL=… HOOKLINE_ENCRYPTION_KEYS=… npm run api (and npm run worker)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cluster.stop().then(() => process.exit(0));
  });
}
await new Promise(() => undefined);
