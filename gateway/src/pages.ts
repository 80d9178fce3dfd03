/**
 * The pages' TypeScript (every top-level gateway/pages/*.ts) as browser
 * bundles: `gateway/pages/fan.ts` is served as `/assets/fan.js`; the fan
 * page's service worker (`gateway/pages/sw/sw.ts`) as `/sw.js`, where a
 * service worker of scope / must live. Run from source (tsx), they are built
 * with esbuild in memory at start-up; compiled, `npm run build` built them
 * and saved the whole prepared site (static-site.ts: named, compressed) in
 * dist/, so production needs no esbuild and compresses nothing at start.
 * The bundles import the protocol from gateway/src/protocol, so the browser
 * speaks exactly the protocol of the server it was built with.
 */
import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StaticSite } from './static-site.js';

export const PAGES_DIR = fileURLToPath(new URL('../pages/', import.meta.url));
/** Compiled, where `npm run build` saved the prepared site (dist/gateway/site/). */
export const SITE_DIR = fileURLToPath(new URL('../site/', import.meta.url));
/** This module runs compiled (dist/…/pages.js), not from source through tsx. */
const COMPILED = import.meta.url.endsWith('.js');

/** The site the engine process hands its workers: saved by the build when compiled, prepared now from source. */
export async function loadSite(): Promise<StaticSite> {
  if (!COMPILED) return StaticSite.load(await buildPages());
  return StaticSite.read(SITE_DIR).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new Error(`the pages are missing from ${SITE_DIR}: run \`npm run build\``, { cause: err }) : err;
  });
}

/** URL path → bundle text, built now with esbuild. */
export async function buildPages(dir = PAGES_DIR): Promise<Record<string, string>> {
  return (await buildPageFiles(dir)).bundles;
}

/** The bundles, and every source file they were built from (absolute paths: what makes a build of them stale). */
export async function buildPageFiles(dir = PAGES_DIR): Promise<{ bundles: Record<string, string>; inputs: string[] }> {
  const entries = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  if (entries.length === 0) return { bundles: {}, inputs: [] };
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: Object.fromEntries(entries.map((name) => [basename(name, '.ts'), join(dir, name)])),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    write: false,
    outdir: '/assets',
    metafile: true,
    logLevel: 'silent',
  });
  // A classic script: module service workers are not in every browser yet.
  const worker = await build({
    entryPoints: [join(dir, 'sw', 'sw.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    write: false,
    outfile: '/sw.js',
    metafile: true,
    logLevel: 'silent',
  });
  const bundles: Record<string, string> = {};
  for (const file of [...result.outputFiles, ...worker.outputFiles]) bundles[file.path] = file.text;
  // The metafile names inputs relative to esbuild's working directory, the current one.
  const inputs = [...new Set([...Object.keys(result.metafile.inputs), ...Object.keys(worker.metafile.inputs)])].map((input) => resolve(input));
  return { bundles, inputs };
}
