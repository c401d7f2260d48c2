import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePortalBuild, SOURCE_HASH_FILE } from '../../src/portal/build.js';

/** URLs that name something rather than load it: XML namespaces (Preact's SVG/MathML) and RFC 2606's example domain in hints. */
const NOT_LOADED = /^https?:\/\/(www\.w3\.org\/|example\.com[/.\s`'"]?)/;

describe('portal page build', () => {
  let parent: string;
  let outDir: string;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'hookline-portal-build-'));
    outDir = join(parent, 'portal');
    await ensurePortalBuild({ outDir });
  }, 120_000);
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it('references only hashed /portal/assets/ files that exist', async () => {
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    // `data:,` is the empty icon, so the browser does not ask for /favicon.ico.
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((ref) => ref !== 'data:,');
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      expect(ref).toMatch(/^\/portal\/assets\/[\w.-]+-[\w-]{8}\.(js|css)$/);
      await expect(stat(join(outDir, ref.slice('/portal/'.length)))).resolves.toBeTruthy();
    }
  });

  it('has no inline script, inline style or style attribute (the CSP has no unsafe-inline)', async () => {
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    for (const tag of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
      expect(tag[0]).toMatch(/\ssrc="/);
      expect(tag[1]!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it('loads nothing from another host', async () => {
    const files = await readdir(outDir, { recursive: true, withFileTypes: true });
    for (const file of files.filter((f) => f.isFile())) {
      const text = await readFile(join(file.parentPath, file.name), 'utf8');
      const urls = [...text.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]);
      expect(urls.filter((u) => !NOT_LOADED.test(u)), file.name).toEqual([]);
      expect(text, file.name).not.toMatch(/sourceMappingURL/);
    }
  });

  it('does not build again while the sources are unchanged', async () => {
    const before = await stat(join(outDir, 'index.html'));
    const hash = await readFile(join(outDir, SOURCE_HASH_FILE), 'utf8');
    await expect(ensurePortalBuild({ outDir })).resolves.toBe(outDir);
    const after = await stat(join(outDir, 'index.html'));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(join(outDir, SOURCE_HASH_FILE), 'utf8')).toBe(hash);
  });

  it('builds when two processes ask at once', async () => {
    const racing = join(parent, 'racing');
    const [a, b] = await Promise.all([ensurePortalBuild({ outDir: racing }), ensurePortalBuild({ outDir: racing })]);
    expect(a).toBe(racing);
    expect(b).toBe(racing);
    const html = await readFile(join(racing, 'index.html'), 'utf8');
    const script = /src="\/portal\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
    await expect(stat(join(racing, script))).resolves.toBeTruthy();
    expect((await readdir(parent)).filter((name) => name.includes('.tmp-') || name.includes('.old-'))).toEqual([]);
  }, 120_000);
});
