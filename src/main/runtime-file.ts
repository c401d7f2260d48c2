import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isAlive } from '../db/embedded.js';

/**
 * `<dataDir>/runtime.json`: where the `npm start` stack of a data directory serves its API, while
 * it runs. `npm run mcp` without DATABASE_URL reads it to reach that stack's `/mcp` over HTTP.
 */
const RuntimeFileSchema = z.object({
  api_url: z.url(),
  pid: z.number().int().positive(),
  started_at: z.string(),
});
export type RuntimeFile = z.infer<typeof RuntimeFileSchema>;

export const runtimeFilePath = (dataDir: string) => join(dataDir, 'runtime.json');

/**
 * The URL a client on this machine reaches a server listening on `host:port` at: a wildcard
 * bind (`0.0.0.0`, `::`) is reached on loopback.
 */
export function localUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
  return parsed.origin;
}

/** Writes this process's runtime file (owner-only, like the dev key beside it). */
export function writeRuntimeFile(dataDir: string, apiUrl: string): void {
  const content: RuntimeFile = { api_url: localUrl(apiUrl), pid: process.pid, started_at: new Date().toISOString() };
  writeFileSync(runtimeFilePath(dataDir), `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the runtime file if this process wrote it (another stack may have taken the directory over). */
export function removeRuntimeFile(dataDir: string): void {
  const current = readRuntimeFile(dataDir);
  if (current.status === 'found' && current.runtime.pid === process.pid) rmSync(runtimeFilePath(dataDir), { force: true });
}

export type RuntimeLookup =
  | { status: 'found'; runtime: RuntimeFile }
  | { status: 'missing' }
  | { status: 'stale'; runtime: RuntimeFile }
  | { status: 'unreadable'; reason: string };

/** The runtime file of `dataDir`, and whether the process that wrote it still runs. */
export function readRuntimeFile(dataDir: string): RuntimeLookup {
  let text: string;
  try {
    text = readFileSync(runtimeFilePath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'unreadable', reason: (err as Error).message };
  }
  let parsed: ReturnType<typeof RuntimeFileSchema.safeParse>;
  try {
    parsed = RuntimeFileSchema.safeParse(JSON.parse(text));
  } catch {
    return { status: 'unreadable', reason: 'not JSON' };
  }
  if (!parsed.success) return { status: 'unreadable', reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return isAlive(parsed.data.pid) ? { status: 'found', runtime: parsed.data } : { status: 'stale', runtime: parsed.data };
}
