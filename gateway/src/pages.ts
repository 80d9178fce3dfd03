/**
 * Builds the pages' TypeScript (every top-level gateway/pages/*.ts) into
 * browser bundles with esbuild, in memory, at start-up: `gateway/pages/fan.ts`
 * is served as `/assets/fan.js`; the fan page's service worker
 * (`gateway/pages/sw/sw.ts`) as `/sw.js`, where a service worker of scope /
 * must live. esbuild comes with tsx (already installed).
 * The bundles import the protocol from gateway/src/protocol, so the browser
 * speaks exactly the protocol of the server it was built with.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PAGES_DIR = fileURLToPath(new URL('../pages/', import.meta.url));

/** URL path → bundle text. */
export async function buildPages(dir = PAGES_DIR): Promise<Record<string, string>> {
  const entries = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  if (entries.length === 0) return {};
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
    logLevel: 'silent',
  });
  const bundles: Record<string, string> = {};
  for (const file of [...result.outputFiles, ...worker.outputFiles]) bundles[file.path] = file.text;
  return bundles;
}
