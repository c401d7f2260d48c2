/**
 * The bench's life cycle: resources register a closer as soon as they exist, and the closers run
 * in reverse order however the run ends (normal end, failure, SIGINT/SIGTERM, the hard timeout).
 */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Closer {
  what: string;
  fn: () => Promise<unknown>;
}

const closers: Closer[] = [];
/** Synchronous last resorts for `process.on('exit')`, where nothing async can run any more. */
const lastResorts = new Set<() => void>();
let cleaning: Promise<void> | undefined;
let aborted = false;

/** Registers `fn` to run at cleanup, after everything registered later. */
export function onCleanup(what: string, fn: () => Promise<unknown>): void {
  closers.push({ what, fn });
}

/** Registers a synchronous action for a process exit that skipped cleanup; returns its remover. */
export function onExit(fn: () => void): () => void {
  lastResorts.add(fn);
  return () => lastResorts.delete(fn);
}

/** True once the run has been told to stop (signal or hard timeout): loops should end early. */
export function isAborted(): boolean {
  return aborted;
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (closers.length > 0) {
      const { what, fn } = closers.pop()!;
      try {
        await Promise.race([
          fn(),
          sleep(30_000).then(() => {
            throw new Error('did not finish within 30 s');
          }),
        ]);
      } catch (err) {
        console.error(`cleanup: ${what} failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

async function abort(code: number, message: string): Promise<never> {
  aborted = true;
  console.error(message);
  await cleanup();
  process.exit(code);
}

/**
 * Installs the hard overall timeout and the signal handlers. Both clean up and exit non-zero: a
 * run that did not finish has no figures to trust.
 */
export function installGuards(timeoutSeconds: number): { disarm(): void } {
  const timer = setTimeout(
    () => void abort(1, `bench: FAILED: did not finish within ${timeoutSeconds} s (--timeout); shutting down`),
    timeoutSeconds * 1000,
  );
  const onSignal = (signal: NodeJS.Signals) => void abort(130, `bench: ${signal}, shutting down`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  runLastResortsOnExit();
  return { disarm: () => clearTimeout(timer) };
}

let lastResortsInstalled = false;

/**
 * Runs the `onExit` last resorts when the process exits, however it exits: a test runner that
 * kills its worker must not leave child processes behind. Installed once.
 */
export function runLastResortsOnExit(): void {
  if (lastResortsInstalled) return;
  lastResortsInstalled = true;
  process.on('exit', () => {
    for (const fn of lastResorts) {
      try {
        fn();
      } catch {
        // Exiting anyway.
      }
    }
  });
}

/** Polls `check` every `everyMs` until it holds or `timeoutMs` passes; false on timeout or abort. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= until || aborted) return false;
    await sleep(everyMs);
  }
}
