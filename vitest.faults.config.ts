import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the engine as separate processes, killed and restarted; see test/faults/.
// One file (one topology) at a time: the faults measure failover and must not share two cores
// with another engine.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
});
