import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { receiverPool } from '../helpers/receiver.js';
import { FuzzFixtures } from '../helpers/fuzz/fixtures.js';
import { OpenApiModel } from '../helpers/fuzz/openapi-model.js';
import { planArbitrary, type PlanContext } from '../helpers/fuzz/request-plans.js';
import { FuzzRunner } from '../helpers/fuzz/runner.js';

/**
 * Property-based fuzzing of every operation in the served OpenAPI document. The default run is
 * short and repeatable (fixed seed, time-bounded); HOOKLINE_FUZZ_SECONDS and HOOKLINE_FUZZ_SEED
 * make a longer or different one.
 */
const SECONDS = numberFromEnv('HOOKLINE_FUZZ_SECONDS', 36, (n) => n > 0);
const SEED = numberFromEnv('HOOKLINE_FUZZ_SEED', 20_250_611, Number.isSafeInteger);
/** Runs every operation gets whatever the time: the seed's first inputs, always the same. */
const MIN_RUNS_PER_OPERATION = 8;

function numberFromEnv(name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !valid(n)) throw new Error(`${name}=${raw} is not a usable number`);
  return n;
}

let stack: Stack;
let model: OpenApiModel;
let runner: FuzzRunner;
let ctx: PlanContext;
const receivers = receiverPool();
let fuzzedSeconds = 0;

beforeAll(async () => {
  stack = await startStack();
  const receiver = await receivers.start();
  const doc = await fetch(`${stack.apiUrl}/openapi.json`);
  expect(doc.status).toBe(200);
  model = new OpenApiModel(await doc.json());
  expect(model.operations.length).toBeGreaterThan(20);
  const fixtures = await FuzzFixtures.create(stack, receiver);
  const types = await fixtures.tenant.api('GET', '/event-types');
  const page = await (await fetch(`${stack.apiUrl}/docs`)).text();
  ctx = {
    model,
    eventTypes: types.body.data.map((t: { name: string }) => t.name),
    assetNames: [...page.matchAll(/\/docs\/assets\/([^"?]+)/g)].map((m) => m[1]!),
    loopbackBases: fixtures.loopbackBases,
  };
  runner = new FuzzRunner(stack.apiUrl, model, fixtures);
});

afterAll(async () => {
  if (runner) console.log(runner.tally.summary(fuzzedSeconds, SEED));
  await receivers.closeAll();
  await stack?.stop();
});

/** Share of the time an operation gets: the API's routes have far more to get wrong than the probes and the docs. */
function weightOf(op: { authenticated: boolean }): number {
  return op.authenticated ? 4 : 1;
}

/** Runs the property for one operation; returns fast-check's report (or the cut-off run's failure) when it failed. */
async function fuzzOperation<T>(property: fc.IAsyncProperty<[T]>, params: fc.Parameters<[T]>): Promise<{ runs: number; failure?: string }> {
  const details = await fc.check(property, { ...params, includeErrorInReport: true });
  const late = await runner.settle(details.failed);
  // Interrupted by the time limit is not a failure: only a counterexample is.
  const failed = details.failed && details.counterexample !== null;
  if (failed) return { runs: details.numRuns, failure: await fc.asyncDefaultReportMessage(details) };
  if (late) return { runs: details.numRuns, failure: `the run cut off by the time limit failed:\n${late.message}` };
  return { runs: details.numRuns };
}

describe('fuzzing the API from its OpenAPI document', () => {
  it(
    'answers every operation, whatever the request, without a 5xx: errors in the error shape with their request id, successes as documented',
    async () => {
      const started = Date.now();
      const deadline = started + SECONDS * 1000;
      const failures: string[] = [];
      const runsByOperation = new Map<string, number>();
      for (const [i, op] of model.operations.entries()) {
        const name = `${op.method.toUpperCase()} ${op.template}`;
        const property = fc.asyncProperty(planArbitrary(op, ctx), (plan) => runner.run(plan));
        const fixed = await fuzzOperation(property, { seed: SEED + i, numRuns: MIN_RUNS_PER_OPERATION });
        let runs = fixed.runs;
        let failure = fixed.failure;
        const budget = ((deadline - Date.now()) * weightOf(op)) / model.operations.slice(i).reduce((sum, o) => sum + weightOf(o), 0);
        if (!failure && budget > 0) {
          const timed = await fuzzOperation(property, { seed: SEED + 1000 + i, numRuns: 1_000_000, interruptAfterTimeLimit: budget });
          runs += timed.runs;
          failure = timed.failure;
        }
        runsByOperation.set(name, runs);
        if (failure) failures.push(`${name}:\n${failure}`);
      }
      fuzzedSeconds = (Date.now() - started) / 1000;

      expect(failures, failures.join('\n\n')).toEqual([]);
      for (const [name, runs] of runsByOperation) expect(runs, name).toBeGreaterThanOrEqual(MIN_RUNS_PER_OPERATION);
      expect(runner.tally.requests).toBeGreaterThanOrEqual(model.operations.length * MIN_RUNS_PER_OPERATION);
      expect(runner.tally.serverErrors).toBe(0);
    },
    (SECONDS + 240) * 1000,
  );
});
