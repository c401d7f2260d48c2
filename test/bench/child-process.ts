/**
 * The stack's processes (Temporal dev server, API, worker) as children of the bench, so /proc can
 * attribute CPU to each. Their output goes to stderr with a prefix; warn and error lines are
 * counted, and after the first few per process only counted, so a noisy scenario cannot flood the
 * terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { onExit, sleep } from './lifecycle.js';

/** Lines passed through per process; the rest are counted only. */
const PASS_THROUGH_LINES = 40;

export interface LogCounts {
  warn: number;
  error: number;
  lines: number;
  suppressed: number;
}

export interface Child {
  name: string;
  pid: number;
  logs: LogCounts;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** True once `stop` was called: its exit is no surprise. */
  stopRequested(): boolean;
  /** Sends `signal` to the process (to its whole process group when started detached). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface ChildOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * Its own process group, so a signal reaches everything it started and a terminal's Ctrl-C
   * reaches it only through the caller.
   */
  detached?: boolean;
}

/** pino levels (40 warn, 50 error, 60 fatal) or, for text lines, the word the line leads with. */
function levelOf(line: string): 'warn' | 'error' | undefined {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as { level?: number | string };
      const level = parsed.level;
      if (typeof level === 'number') return level >= 50 ? 'error' : level >= 40 ? 'warn' : undefined;
      if (typeof level === 'string') return /^(error|fatal|panic|dpanic)$/i.test(level) ? 'error' : /^warn/i.test(level) ? 'warn' : undefined;
    } catch {
      // Not JSON after all: judged as text below.
    }
  }
  if (/\b(error|fatal|panic)\b/i.test(line)) return 'error';
  if (/\bwarn(ing)?\b/i.test(line)) return 'warn';
  return undefined;
}

export function startChild(name: string, command: string, args: string[], options: ChildOptions): Child {
  const detached = options.detached ?? false;
  const proc: ChildProcess = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = proc.pid;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(detached ? -pid : pid, sig);
    } catch (err) {
      // Already gone (its group with it): nothing left to signal.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  const logs: LogCounts = { warn: 0, error: 0, lines: 0, suppressed: 0 };
  let ended = false;
  let stopping = false;
  // Should the bench die without cleaning up, the child must not outlive it.
  const removeLastResort = onExit(() => {
    if (!ended) signal('SIGKILL');
  });
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => {
      ended = true;
      removeLastResort();
      resolve(signal ?? String(code));
    });
    proc.once('error', (err) => {
      ended = true;
      removeLastResort();
      resolve(`spawn error: ${err.message}`);
    });
  });
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (!line) return;
      logs.lines++;
      const level = levelOf(line);
      if (level) logs[level]++;
      if (logs.lines <= PASS_THROUGH_LINES) process.stderr.write(`[${name}] ${line.length > 600 ? `${line.slice(0, 600)}…` : line}\n`);
      else logs.suppressed++;
    });
  }
  return {
    name,
    pid,
    logs,
    exited,
    hasExited: () => ended,
    stopRequested: () => stopping,
    kill: signal,
    async stop(graceMs = 15_000) {
      stopping = true;
      if (ended) return;
      signal('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!gone && !ended) {
        signal('SIGKILL');
        await exited;
      }
    },
  };
}
