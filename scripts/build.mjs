// @ts-check
/**
 * `npm run build`: the program `npm start` runs, compiled into dist/.
 *
 * Every source file the entry points reach is transpiled on its own by
 * esbuild — the transform tsx applies at run time, so dist/ runs the code the
 * tests ran — keeping the tree (launch/main.ts → dist/launch/main.js),
 * so the paths a module finds from its own URL hold in dist/ as in the source
 * tree: the worker and shard it forks, the Lua scripts. Not bundled: a
 * stack trace names the module it came from, through a source map beside
 * each file that points at the TypeScript. The files read at run time are
 * copied beside the code; the pages are built and the site prepared (named,
 * compressed: static-site.ts) into dist/gateway/site/, so production needs
 * no esbuild and compresses nothing at start; the stamp (build-stamp.mjs) is
 * written last: a build that fails half-way leaves dist/ stale.
 */
import { build } from 'esbuild';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeStamp } from './build-stamp.mjs';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** `npm start`'s program. */
const MAIN = 'launch/main.ts';
/** It, and the programs it forks (gateway workers; engine shards in cluster mode). */
const ENTRY_POINTS = [MAIN, 'launch/worker.ts', 'launch/shard-process.ts'];
/** Read at run time beside the modules that use them (new URL(…, import.meta.url)): copied as they are (package.json: the version in breakwater_build_info). */
const RUNTIME_FILES = ['engine/stores/redis/lua', 'package.json'];
/** The modules that build the pages and prepare the site, run compiled to save it into dist/. */
const PAGES_MODULE = 'gateway/src/pages.js';
const STATIC_SITE_MODULE = 'gateway/src/static-site.js';

/** Builds dist/ from the sources under ROOT; returns what it did, for a log line. */
export async function buildProduct() {
  const startedAt = Date.now();
  const began = performance.now();
  // The sources the programs reach, from esbuild's view of them as one bundle (packages stay outside).
  const graph = await build({
    entryPoints: ENTRY_POINTS, absWorkingDir: ROOT, bundle: true, packages: 'external', platform: 'node', format: 'esm',
    outdir: DIST, write: false, metafile: true, logLevel: 'silent',
  });
  const sources = Object.keys(graph.metafile.inputs).sort();
  rmSync(DIST, { recursive: true, force: true });
  await build({
    entryPoints: sources, absWorkingDir: ROOT, outbase: ROOT, outdir: DIST, platform: 'node', format: 'esm', target: 'node20',
    sourcemap: 'linked', sourcesContent: false, logLevel: 'warning',
  });
  const copied = [];
  for (const path of RUNTIME_FILES) {
    cpSync(join(ROOT, path), join(DIST, path), { recursive: true });
    copied.push(...listFiles(join(ROOT, path)).map((file) => relative(ROOT, file)));
  }
  // The site, prepared as the engine process would at start (bundled, named, compressed) by the compiled modules
  // themselves, from the source tree's directories at the places those modules know relative to dist/.
  /** @type {typeof import('../gateway/src/pages.js')} */
  const pages = await import(pathToFileURL(join(DIST, PAGES_MODULE)).href);
  /** @type {typeof import('../gateway/src/static-site.js')} */
  const { StaticSite, PUBLIC_DIR } = await import(pathToFileURL(join(DIST, STATIC_SITE_MODULE)).href);
  const inSource = (/** @type {string} */ compiledPath) => join(ROOT, relative(DIST, compiledPath));
  const built = await pages.buildPageFiles(inSource(pages.PAGES_DIR));
  const site = await StaticSite.load(built.bundles, inSource(PUBLIC_DIR));
  await site.save(pages.SITE_DIR);
  // Packages are not sources: the pages bundle some (msgpackr), but a new install changes them, not an edit.
  const pageSources = [...built.inputs, ...listFiles(inSource(PUBLIC_DIR))]
    .map((input) => relative(ROOT, input)).filter((input) => !input.startsWith('..') && !input.split(sep).includes('node_modules'));
  const inputs = new Set([...sources, ...copied, ...pageSources, relative(ROOT, fileURLToPath(import.meta.url))]);
  writeStamp(DIST, { startedAt, main: MAIN.replace(/\.ts$/, '.js'), inputs: [...inputs].map((input) => input.split(sep).join('/')).sort() });
  return { modules: sources.length, siteFiles: site.files.size, ms: Math.round(performance.now() - began) };
}

/** The files under a path (itself, for a file). @param {string} dir @returns {string[]} */
function listFiles(dir) {
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const done = await buildProduct();
  console.log(`Built dist/ in ${done.ms} ms: ${done.modules} modules, ${done.siteFiles} files of the pages`);
}
