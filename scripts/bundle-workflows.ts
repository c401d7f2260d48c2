/** Pre-bundles the workflow code into dist/workflow-bundle.js for production workers. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflows, defaultBundlePath } from '../src/temporal/worker.js';

const bundle = await bundleWorkflows();
mkdirSync(dirname(defaultBundlePath), { recursive: true });
writeFileSync(defaultBundlePath, bundle.code);
console.log(`wrote ${defaultBundlePath} (${Math.round(bundle.code.length / 1024)} KiB)`);
