import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../workflows/index.js';
import { PAYLOAD_MARKER } from './record/scenario.js';

// Histories recorded by `npm run histories:record` (or exported with `temporal workflow show
// --output json` from a real deployment). Each is what a workflow that ran did: the current code
// must replay every one, or runs of that kind still open somewhere would fail on their next task.
const HISTORIES_DIR = resolve(import.meta.dirname, 'histories');

const recorded = readdirSync(HISTORIES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => {
    const text = readFileSync(join(HISTORIES_DIR, file), 'utf8');
    const json = JSON.parse(text) as { events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[] };
    return { file, text, json, workflowType: json.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name };
  });

describe('the determinism gate', () => {
  it('replays every committed history with the current workflow bundle', async () => {
    const histories = recorded.map(({ file, json }) => ({ workflowId: file.replace(/\.json$/, ''), history: historyFromJSON(json) }));
    const failures: string[] = [];
    let replayed = 0;
    const results = Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('hookline').workflowBundlePath }, replayName: 'hookline-determinism-gate' },
      histories,
    );
    for await (const result of results) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures, 'histories the current workflow code cannot replay').toEqual([]);
    expect(replayed).toBe(recorded.length);
  });

  it('has histories of every workflow type the worker registers', () => {
    const registered = Object.entries(workflows)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name)
      .sort();
    const covered = new Set(recorded.map((h) => h.workflowType));
    expect(registered.filter((name) => !covered.has(name)), 'workflow types without a recorded history').toEqual([]);
  });

  it('holds no signing secret, API key or payload in any committed history', () => {
    for (const { file, text } of recorded) {
      expect(text, file).not.toMatch(/whsec_|hk_(test|live)_/);
      expect(text, file).not.toContain(PAYLOAD_MARKER);
    }
  });
});
