import { readFileSync } from 'node:fs';

/** Hookline's version, from package.json: the OpenAPI document's and the MCP server's. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
