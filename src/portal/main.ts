// `npm run portal:build`: builds the portal page into dist/portal unless it is up to date.
import { ensurePortalBuild } from './build.js';

const outDir = await ensurePortalBuild();
console.log(`portal page: ${outDir}`);
