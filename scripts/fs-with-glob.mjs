import fs from 'node:fs';
import { globSync as tinyGlobSync } from 'tinyglobby';

export * from 'node:fs';
export default fs;

/** `fs.globSync` of Node 22 for the `withFileTypes` form MikroORM uses, on top of tinyglobby. */
export function globSync(patterns, options = {}) {
  const cwd = options.cwd ?? process.cwd();
  const files = tinyGlobSync(patterns, { cwd, absolute: true, expandDirectories: false });
  if (!options.withFileTypes) return files;
  return files.map((file) => {
    const stat = fs.statSync(file);
    const slash = file.lastIndexOf('/');
    return { name: file.slice(slash + 1), parentPath: file.slice(0, slash), isFile: () => stat.isFile() };
  });
}
