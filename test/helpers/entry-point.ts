import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { waitFor } from './receiver.js';

const root = resolve(import.meta.dirname, '../..');

/** An entry point of `src/main/` running as its own OS process. */
export interface EntryPoint {
  process: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and when it came. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/**
 * Starts `src/main/<name>.ts` with `env` (a stack's `workerEnv`, plus overrides), logging at info.
 * It runs node itself, not the tsx wrapper, so a signal reaches the process that does the work.
 */
export function spawnEntryPoint(name: 'api' | 'worker', env: Record<string, string>): EntryPoint {
  const child = spawn(process.execPath, ['--import', './scripts/node-compat.mjs', '--import', 'tsx', `src/main/${name}.ts`], {
    cwd: root,
    // Logging at info: callers wait for the lines that say a process is up.
    env: { ...process.env, ...env, LOG_LEVEL: 'info', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal, at: Date.now() })),
  );
  return { process: child, output: () => output, exited };
}

/** Waits for `ready` to give a value; a process that does not get there is killed, not left behind. */
async function whenReady<T>(entry: EntryPoint, ready: () => T | undefined, what: string): Promise<T> {
  try {
    return await waitFor(ready, 60_000, () => `${what} (output so far: ${entry.output().slice(-800)})`);
  } catch (err) {
    entry.process.kill('SIGKILL');
    throw err;
  }
}

/** Starts a worker process and waits until it runs. */
export async function startWorkerProcess(env: Record<string, string>): Promise<EntryPoint> {
  const worker = spawnEntryPoint('worker', env);
  await whenReady(worker, () => worker.output().includes('worker running') || undefined, 'worker start');
  return worker;
}

/** Starts an API process and waits until it listens; resolves with its URL too. */
export async function startApiProcess(env: Record<string, string>): Promise<EntryPoint & { url: string }> {
  const api = spawnEntryPoint('api', env);
  const url = await whenReady(
    api,
    () => (/"msg":"API listening"/.test(api.output()) ? /"url":"(http:[^"]+)"/.exec(api.output())?.[1] : undefined),
    'API start',
  );
  return { ...api, url };
}
