// Preloaded with `node --import` on Node < 22: MikroORM 7 imports `globSync` from `node:fs`,
// which Node 20 lacks. This resolve hook hands MikroORM a `node:fs` that also exports it.
// On Node 22 and later it does nothing.
import fs from 'node:fs';
import { register } from 'node:module';

if (typeof fs.globSync !== 'function') {
  register('./node-compat-hooks.mjs', import.meta.url);
}
