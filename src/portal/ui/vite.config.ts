// The customer portal page: Vite builds it, Preact renders it (see src/portal/build.ts for why and
// when it is built). Everything it needs is bundled into hashed files under /portal/assets/, so
// the page loads nothing from another origin and runs under a CSP without 'unsafe-inline'.
import { resolve } from 'node:path';
import { defineConfig, type UserConfig } from 'vite';

/** The page's source folder (Vite's root). */
export const PORTAL_UI_ROOT = import.meta.dirname;
/** Where `vite build` puts the page by default: dist/portal at the top of the repository (as src/portal/build.ts). */
const PORTAL_DIST_DIR = resolve(import.meta.dirname, '../../../dist/portal');

/** The build configuration, with the output folder as a parameter (ensurePortalBuild builds into a temporary one). */
export function portalViteConfig(outDir: string = PORTAL_DIST_DIR): UserConfig {
  return {
    root: PORTAL_UI_ROOT,
    base: '/portal/',
    publicDir: false,
    // Oxc's JSX transform with Preact's automatic runtime: no Babel, no framework plugin.
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir,
      emptyOutDir: true,
      assetsDir: 'assets',
      sourcemap: false,
      // Every modern browser has <link rel="modulepreload">; the polyfill is code the CSP need not allow.
      modulePreload: { polyfill: false },
      // A data: URI would need a CSP exception: every asset stays a file of its own.
      assetsInlineLimit: 0,
      target: 'es2022',
      reportCompressedSize: false,
    },
    server: { proxy: { '/portal/v1': process.env.HOOKLINE_PORTAL_API ?? 'http://127.0.0.1:3000' } },
    clearScreen: false,
  };
}

export default defineConfig(portalViteConfig());
