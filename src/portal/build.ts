/**
 * The customer portal page (`/portal`) is a Vite + Preact build: Vite because it is the
 * maintained, dependency-light standard for bundling a small TypeScript front end (one
 * dependency tree, Rolldown and Oxc inside, no Babel), Preact because a few-kilobyte runtime is
 * all a page of forms and tables needs. Both are runtime dependencies so that `npm ci && npm start`
 * builds the page itself when its build is missing or older than its sources.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { Logger } from 'pino';

const projectRoot = resolve(import.meta.dirname, '../..');
const uiRoot = join(projectRoot, 'src/portal/ui');

/** The default output folder, served at /portal. */
export const PORTAL_DIST_DIR = join(projectRoot, 'dist/portal');
/** Written into the output folder: the hash of the sources the build was made from. */
export const SOURCE_HASH_FILE = '.source-hash';

export interface PortalBuildOptions {
  logger?: Pick<Logger, 'info'>;
  /** Where to build (default dist/portal). */
  outDir?: string;
}

/**
 * Returns the folder of the built portal page, building it first when it is missing or its
 * sources changed (files under src/portal/ui, and the Vite and Preact versions). Safe to call from
 * several processes at once: each builds into a folder of its own and moves it into place.
 */
export async function ensurePortalBuild(options: PortalBuildOptions = {}): Promise<string> {
  const outDir = resolve(options.outDir ?? PORTAL_DIST_DIR);
  const hash = await portalSourceHash();
  if ((await builtHash(outDir)) === hash) return outDir;

  const started = Date.now();
  const tmpDir = `${outDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(dirname(outDir), { recursive: true });
    await buildInto(tmpDir);
    await writeFile(join(tmpDir, SOURCE_HASH_FILE), `${hash}\n`);
    await moveIntoPlace(tmpDir, outDir, hash);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  options.logger?.info({ outDir, ms: Date.now() - started }, 'portal page built');
  return outDir;
}

/** A hash of everything the build depends on: the page's sources and the toolchain's versions. */
export async function portalSourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(uiRoot)) {
    hash.update(relative(uiRoot, file)).update('\0').update(await readFile(file)).update('\0');
  }
  const lock = JSON.parse(await readFile(join(projectRoot, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { version?: string }>;
  };
  for (const name of ['vite', 'preact', 'rolldown']) hash.update(`${name}@${lock.packages?.[`node_modules/${name}`]?.version}\n`);
  return hash.digest('hex');
}

async function builtHash(outDir: string): Promise<string | undefined> {
  try {
    await readFile(join(outDir, 'index.html'));
    return (await readFile(join(outDir, SOURCE_HASH_FILE), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !e.name.includes('.timestamp-'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function buildInto(outDir: string): Promise<void> {
  // Loaded on demand: a process that finds the build up to date never loads the bundler.
  const [{ build }, { portalViteConfig }] = await Promise.all([import('vite'), import('./ui/vite.config.js')]);
  await build({ ...portalViteConfig(outDir), configFile: false, logLevel: 'warn' });
}

/**
 * Renames the new build to `outDir`. A rename cannot replace a non-empty folder, so an older build
 * is first moved aside; if another process has meanwhile put the same build in place, ours is
 * dropped.
 */
async function moveIntoPlace(tmpDir: string, outDir: string, hash: string): Promise<void> {
  for (let tries = 0; tries < 5; tries++) {
    try {
      await rename(tmpDir, outDir);
      return;
    } catch (error) {
      if (!isCode(error, 'ENOTEMPTY', 'EEXIST')) throw error;
    }
    if ((await builtHash(outDir)) === hash) return;
    const aside = `${outDir}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await rename(outDir, aside);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    }
    await rm(aside, { recursive: true, force: true });
  }
  throw new Error(`could not move the portal build into ${outDir}`);
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as { code?: string }).code ?? '');
}
