/**
 * The pages: files under gateway/public, plus the page bundles built from
 * gateway/pages at start-up (pages.ts), all held in memory. Only paths in the
 * map are served, so nothing outside gateway/public can be reached.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  body: Uint8Array;
  contentType: string;
}

export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Friendly routes for the three pages. */
const PAGE_ROUTES: Record<string, string> = {
  '/': '/index.html',
  '/organizer': '/organizer.html',
  '/dashboard': '/dashboard.html',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
}

export class StaticSite {
  constructor(private readonly files: ReadonlyMap<string, StaticFile>) {}

  /** Reads every file under `dir` and adds the bundles (URL path → JavaScript text). */
  static async load(bundles: Readonly<Record<string, string>> = {}, dir = PUBLIC_DIR): Promise<StaticSite> {
    const files = new Map<string, StaticFile>();
    for (const path of await listFiles(dir)) {
      const url = `/${relative(dir, path).split(sep).join('/')}`;
      files.set(url, { body: await readFile(path), contentType: contentTypeOf(path) });
    }
    for (const [url, text] of Object.entries(bundles)) files.set(url, { body: Buffer.from(text), contentType: contentTypeOf(url) });
    return new StaticSite(files);
  }

  get(path: string): StaticFile | undefined {
    return this.files.get(PAGE_ROUTES[path] ?? path);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
