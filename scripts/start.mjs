// @ts-check
/**
 * `npm start`: runs the compiled program (dist/, see build.mjs), building it
 * first when dist/ is missing or stale (build-stamp.mjs). A fresh dist/ needs
 * only Node and the production dependencies; building needs the
 * devDependencies, so a production install builds before pruning them:
 * `npm ci && npm run build && npm prune --omit=dev && npm start`.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readStamp, whyStale } from './build-stamp.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = join(ROOT, 'dist');

const stale = whyStale(ROOT, DIST);
if (stale !== undefined) {
  process.stderr.write(`Building dist/ first (${stale})\n`);
  /** @type {typeof import('./build.mjs')} */
  let builder;
  try {
    builder = await import('./build.mjs');
  } catch (err) {
    const missing = /** @type {NodeJS.ErrnoException} */ (err).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes("'esbuild'");
    if (!missing) throw err;
    process.stderr.write('dist/ is out of date and cannot be rebuilt here: esbuild, a devDependency, is not installed.\n'
      + 'Build where the devDependencies are (npm ci && npm run build), then start again.\n');
    process.exit(1);
  }
  const done = await builder.buildProduct();
  process.stderr.write(`Built dist/ in ${done.ms} ms\n`);
}
const stamp = readStamp(DIST);
if (stamp === undefined) throw new Error('dist/ has no build stamp after the build');
await import(pathToFileURL(join(DIST, stamp.main)).href);
