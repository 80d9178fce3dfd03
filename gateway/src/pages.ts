/**
 * Builds the pages' TypeScript (every top-level gateway/pages/*.ts) into
 * browser bundles with esbuild, in memory, at start-up: `gateway/pages/fan.ts`
 * is served as `/assets/fan.js`. esbuild comes with tsx (already installed).
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
  const bundles: Record<string, string> = {};
  for (const file of result.outputFiles) bundles[file.path] = file.text;
  return bundles;
}
