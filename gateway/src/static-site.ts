/**
 * The pages: files under gateway/public, plus the page bundles built from
 * gateway/pages at start-up (pages.ts), prepared once and held in memory.
 * Every file but the HTML is served under a name carrying a hash of its
 * bytes (`/assets/fan.3f2a1c9e04.js`, the HTML and the bundles' source-map
 * comments rewritten to match) and cached for a year, so a returning fan
 * downloads it once per release and a new release can never mix with a
 * cached old one. The HTML and the service worker (/sw.js: a browser finds
 * it at a fixed URL and checks it for updates itself) keep their names and
 * are revalidated (ETag, 304).
 * Text is precompressed with brotli and gzip at their best levels. Only paths
 * in the map are served, so nothing outside gateway/public can be reached.
 * Every file goes out with the security headers of security-headers.ts, each
 * page with its Content-Security-Policy.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { chooseCoding, type Coding } from './http/accept-encoding.js';
import type { Reply } from './http/router.js';
import { contentSecurityPolicy, PAGE_HEADERS } from './security-headers.js';

export interface StaticFile {
  contentType: string;
  /** The bytes as they are, and in each coding that makes them smaller. */
  codings: { identity: Uint8Array } & Partial<Record<Coding, Uint8Array>>;
  /** A strong validator of the bytes as they are, without quotes; a coding's ETag adds the coding's name. */
  tag: string;
  cacheControl: string;
  /** HTML: the page's Content-Security-Policy (security-headers.ts). */
  contentSecurityPolicy?: string;
}

/** URL path → file: what the parent process prepares once and hands to every gateway worker. */
export type SiteFiles = ReadonlyMap<string, StaticFile>;

export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Cached, but asked again each time: an unchanged page costs a 304 and no body. */
export const REVALIDATE = 'no-cache';

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

/** Files served under their own name and revalidated: the pages, and the service worker. */
const STABLE_NAMES = /\.html$|^\/sw\.js$/;

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
  constructor(readonly files: SiteFiles) {}

  /** Reads every file under `dir`, adds the bundles (URL path → JavaScript text), names, rewrites and compresses them. */
  static async load(bundles: Readonly<Record<string, string>> = {}, dir = PUBLIC_DIR): Promise<StaticSite> {
    const sources = new Map<string, Uint8Array>();
    for (const path of await listFiles(dir)) sources.set(`/${relative(dir, path).split(sep).join('/')}`, await readFile(path));
    for (const [url, text] of Object.entries(bundles)) sources.set(url, Buffer.from(text));
    const named = nameByContent(sources);
    const files = new Map<string, StaticFile>();
    await Promise.all([...named].map(async ([url, body]) => {
      files.set(url, {
        contentType: contentTypeOf(url),
        codings: { identity: body, ...(await compress(url, body)) },
        tag: sha256(body).slice(0, 32),
        cacheControl: STABLE_NAMES.test(url) ? REVALIDATE : IMMUTABLE,
        ...(url.endsWith('.html') ? { contentSecurityPolicy: contentSecurityPolicy(Buffer.from(body).toString('utf8')) } : {}),
      });
    }));
    return new StaticSite(files);
  }

  /**
   * Writes the prepared site under `dir` (`npm run build`): each coding of a
   * file at `<coding>/<URL path>`, and site.json for the rest.
   */
  async save(dir: string): Promise<void> {
    const manifest: SavedFile[] = [];
    for (const [url, { codings, ...file }] of this.files) {
      manifest.push({ url, ...file, codings: Object.keys(codings) as Array<Coding> });
      for (const [coding, bytes] of Object.entries(codings)) {
        const path = join(dir, savedPath(url, coding as Coding));
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, bytes);
      }
    }
    await writeFile(join(dir, SITE_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  }

  /** The site `save` wrote: nothing left to build, name or compress. */
  static async read(dir: string): Promise<StaticSite> {
    const manifest = JSON.parse(await readFile(join(dir, SITE_MANIFEST), 'utf8')) as SavedFile[];
    const files = new Map<string, StaticFile>();
    await Promise.all(manifest.map(async ({ url, codings, ...file }) => {
      const read = await Promise.all(codings.map(async (coding) => [coding, new Uint8Array(await readFile(join(dir, savedPath(url, coding))))] as const));
      files.set(url, { ...file, codings: Object.fromEntries(read) as StaticFile['codings'] });
    }));
    return new StaticSite(files);
  }

  get(path: string): StaticFile | undefined {
    return this.files.get(PAGE_ROUTES[path] ?? path);
  }

  /** The answer to a GET or HEAD of `path`, negotiated on Accept-Encoding and If-None-Match; undefined when there is no such file. */
  reply(path: string, headers: Readonly<Record<string, string>>): Reply | undefined {
    const file = this.get(path);
    if (file === undefined) return undefined;
    const available = (['br', 'gzip', 'identity'] as const).filter((coding) => file.codings[coding] !== undefined);
    const coding = chooseCoding(headers['accept-encoding'], available);
    const etag = coding === 'identity' ? `"${file.tag}"` : `"${file.tag}-${coding}"`;
    const common: Record<string, string> = {
      'cache-control': file.cacheControl, etag, ...(available.length > 1 ? { vary: 'Accept-Encoding' } : {}), ...PAGE_HEADERS,
      ...(file.contentSecurityPolicy === undefined ? {} : { 'content-security-policy': file.contentSecurityPolicy }),
    };
    if (matches(headers['if-none-match'], etag)) return { status: 304, text: '', contentType: file.contentType, headers: common };
    return {
      status: 200, text: file.codings[coding]!, contentType: file.contentType,
      headers: coding === 'identity' ? common : { ...common, 'content-encoding': coding },
    };
  }
}

const SITE_MANIFEST = 'site.json';

/** A file of a saved site as site.json lists it: the codings it has a file for. */
type SavedFile = Omit<StaticFile, 'codings'> & { url: string; codings: Array<Coding> };

function savedPath(url: string, coding: Coding): string {
  return join(coding, ...url.split('/'));
}

/** If-None-Match compares weakly (RFC 9110 §13.1.2): `W/` does not matter, `*` matches any. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `/assets/fan.js` → `/assets/fan.<hash>.js` (`fan.js.map` → `fan.<hash>.js.map`). */
function hashedName(url: string, body: Uint8Array): string {
  const slash = url.lastIndexOf('/');
  const dot = url.indexOf('.', slash + 2);
  const hash = sha256(body).slice(0, 10);
  return dot < 0 ? `${url}.${hash}` : `${url.slice(0, dot)}.${hash}${url.slice(dot)}`;
}

/**
 * Names every file but the HTML by its content, rewriting references first so
 * that a file's name changes whenever anything it points to does: files that
 * point to nothing (source maps, images), then scripts and styles (their
 * `sourceMappingURL`), then the HTML (`src` and `href` attributes).
 */
function nameByContent(sources: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const renamed = new Map<string, string>();
  const result = new Map<string, Uint8Array>();
  const stage = (url: string) => (url.endsWith('.html') ? 2 : /\.(js|css)$/.test(url) ? 1 : 0);
  for (const current of [0, 1, 2]) {
    for (const [url, source] of sources) {
      if (stage(url) !== current) continue;
      const body = current === 0 ? source : rewriteReferences(url, source, renamed);
      if (STABLE_NAMES.test(url)) {
        result.set(url, body);
        continue;
      }
      const name = hashedName(url, body);
      renamed.set(url, name);
      result.set(name, body);
    }
  }
  return result;
}

const REFERENCES = [/(\b(?:src|href)=")([^"]+)(")/g, /(sourceMappingURL=)(\S+?)(\s|\*\/|$)/g];

/** Points the references in a text file at the renamed files (a reference relative to `url` keeps its form: the new file name). */
function rewriteReferences(url: string, source: Uint8Array, renamed: ReadonlyMap<string, string>): Uint8Array {
  const text = Buffer.from(source).toString('utf8');
  let rewritten = text;
  for (const pattern of REFERENCES) {
    rewritten = rewritten.replace(pattern, (whole, before: string, reference: string, after: string) => {
      if (/^[a-z]+:|^\/\/|[?#]/i.test(reference)) return whole;
      const target = renamed.get(new URL(reference, `http://site${url}`).pathname);
      if (target === undefined) return whole;
      const replacement = reference.startsWith('/') ? target : target.slice(target.lastIndexOf('/') + 1);
      return `${before}${replacement}${after}`;
    });
  }
  return rewritten === text ? source : Buffer.from(rewritten);
}

const COMPRESSIBLE = /^(text\/|application\/json|image\/svg\+xml)/;

/**
 * Brotli at quality 11 and gzip at level 9, each kept only when smaller.
 * Source maps get gzip only: only a developer's tools fetch them, and brotli's
 * best level would add seconds to every start for them alone.
 */
async function compress(url: string, body: Uint8Array): Promise<Partial<Record<Coding, Uint8Array>>> {
  if (!COMPRESSIBLE.test(contentTypeOf(url))) return {};
  const isSourceMap = url.endsWith('.map');
  const [br, gz] = await Promise.all([
    isSourceMap ? undefined : promisify(brotliCompress)(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
    promisify(gzip)(body, { level: constants.Z_BEST_COMPRESSION }),
  ]);
  return {
    ...(br !== undefined && br.length < body.length ? { br } : {}),
    ...(gz.length < body.length ? { gzip: gz } : {}),
  };
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
