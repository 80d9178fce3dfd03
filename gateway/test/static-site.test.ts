import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPages } from '../src/pages.js';
import { IMMUTABLE, StaticSite } from '../src/static-site.js';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** node:http, not fetch: fetch would decompress and hide what went over the wire. */
function raw(gw: TestGateway, path: string, headers: Record<string, string> = {}, method = 'GET', agent?: Agent): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.httpUrl}${path}`, { method, headers, ...(agent === undefined ? {} : { agent }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let gw: TestGateway;
let site: StaticSite;
let scriptPath: string;
let stylePath: string;
beforeAll(async () => {
  site = await StaticSite.load(await buildPages());
  gw = await startTestGateway({ site });
  const html = (await raw(gw, '/')).body.toString();
  scriptPath = /<script[^>]* src="(\/assets\/fan\.[0-9a-f]{10}\.js)"/.exec(html)?.[1] ?? '';
  stylePath = /<link rel="stylesheet" href="(\/style\.[0-9a-f]{10}\.css)"/.exec(html)?.[1] ?? '';
}, 60_000);
afterAll(async () => {
  await gw.close();
});

describe('the pages, served for slow networks', () => {
  it('names the script and the stylesheet by their content in the HTML', async () => {
    expect(scriptPath).not.toBe('');
    expect(stylePath).not.toBe('');
    for (const path of [scriptPath, stylePath]) {
      const file = await raw(gw, path);
      expect(file.status).toBe(200);
      const hash = /\.([0-9a-f]{10})\./.exec(path)![1];
      expect(createHash('sha256').update(file.body).digest('hex').slice(0, 10)).toBe(hash);
    }
    for (const page of ['/organizer', '/dashboard']) {
      const html = (await raw(gw, page)).body.toString();
      expect(html).toMatch(/src="\/assets\/[a-z]+\.[0-9a-f]{10}\.js"/);
      expect(html).toContain(`href="${stylePath}"`);
    }
  });

  it('points the bundle at its source map by the map’s hashed name', async () => {
    const script = (await raw(gw, scriptPath)).body.toString();
    const map = /sourceMappingURL=(fan\.[0-9a-f]{10}\.js\.map)/.exec(script)?.[1];
    expect(map).toBeDefined();
    const served = await raw(gw, `/assets/${map}`);
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body.toString()).version).toBe(3);
  });

  it('serves brotli, gzip or the bytes as they are, each the same file once decoded', async () => {
    const plain = await raw(gw, scriptPath);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await raw(gw, scriptPath, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.length).toBeLessThan(plain.body.length / 2);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    const gz = await raw(gw, scriptPath, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    const html = await raw(gw, '/', { 'accept-encoding': 'br' });
    expect(brotliDecompressSync(html.body).equals((await raw(gw, '/')).body)).toBe(true);
    for (const response of [plain, br, gz, html]) expect(response.headers.vary).toBe('Accept-Encoding');
  });

  it('follows the q-values of Accept-Encoding', async () => {
    const codingFor = async (accept: string) => (await raw(gw, stylePath, { 'accept-encoding': accept })).headers['content-encoding'] ?? 'identity';
    expect(await codingFor('br;q=0, gzip')).toBe('gzip');
    expect(await codingFor('gzip;q=0.5, br;q=0.9')).toBe('br');
    expect(await codingFor('gzip;q=1, br;q=0.2')).toBe('gzip');
    expect(await codingFor('identity')).toBe('identity');
    expect(await codingFor('*')).toBe('br');
    expect(await codingFor('br;q=0, *;q=0.1')).toBe('gzip');
  });

  it('caches hashed files for a year and has the HTML revalidated', async () => {
    const asset = await raw(gw, scriptPath, { 'accept-encoding': 'br' });
    expect(asset.headers['cache-control']).toBe(IMMUTABLE);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const page = await raw(gw, '/');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('answers 304 without a body to a matching If-None-Match, per coding', async () => {
    const page = await raw(gw, '/', { 'accept-encoding': 'br' });
    const etag = page.headers.etag!;
    expect(etag).toMatch(/-br"$/);
    const again = await raw(gw, '/', { 'accept-encoding': 'br', 'if-none-match': `"other", W/${etag}` });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('no-cache');
    // The tag of the brotli bytes does not validate the plain bytes.
    expect((await raw(gw, '/', { 'if-none-match': etag })).status).toBe(200);
    expect((await raw(gw, '/', { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('answers HEAD with the headers and length of the GET, and no body', async () => {
    const get = await raw(gw, scriptPath, { 'accept-encoding': 'gzip' });
    const head = await raw(gw, scriptPath, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(get.body.length));
    for (const name of ['content-encoding', 'etag', 'cache-control', 'vary', 'content-type']) expect(head.headers[name]).toBe(get.headers[name]);
    expect((await raw(gw, '/assets/fan.js', {}, 'HEAD')).status).toBe(404);
  });

  it('keeps a connection usable after a HEAD and after a 304', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const etag = (await raw(gw, '/', {}, 'GET', agent)).headers.etag!;
      const statuses = [];
      for (const [method, headers] of [['HEAD', {}], ['GET', { 'if-none-match': etag }], ['GET', {}]] as const) {
        statuses.push((await raw(gw, '/', headers, method, agent)).status);
      }
      expect(statuses).toEqual([200, 304, 200]);
    } finally {
      agent.destroy();
    }
  });

  it('serves no file under its plain name or an old hash', async () => {
    for (const path of ['/assets/fan.js', '/style.css', '/assets/fan.0123456789.js', scriptPath.replace(/\.[0-9a-f]{10}\./, '.ffffffffff.')]) {
      expect((await raw(gw, path)).status, path).toBe(404);
    }
  });
});

describe('StaticSite.load', () => {
  it('renames a file whose content changed, and everything that points at it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'breakwater-site-'));
    writeFileSync(join(dir, 'index.html'), '<link rel="stylesheet" href="/app.css"><a href="#top">top</a><script src="/assets/x.js"></script>');
    const load = async (map: string) => {
      writeFileSync(join(dir, 'app.css'), 'body { color: red }');
      return StaticSite.load({ '/assets/x.js': 'console.log(1)\n//# sourceMappingURL=x.js.map\n', '/assets/x.js.map': map }, dir);
    };
    const names = (site: StaticSite) => [...site.files.keys()].sort();
    const before = await load('{"version":3,"sources":["a"]}');
    const after = await load('{"version":3,"sources":["b"]}');
    const html = (site: StaticSite) => Buffer.from(site.get('/')!.codings.identity).toString();
    expect(html(before)).toMatch(/^<link rel="stylesheet" href="\/app\.[0-9a-f]{10}\.css"><a href="#top">top<\/a><script src="\/assets\/x\.[0-9a-f]{10}\.js"><\/script>$/);
    // Only the map changed, but the script names the map, so the script's name changes too, and the page with it.
    const changed = names(after).filter((name) => !names(before).includes(name));
    expect(changed).toHaveLength(2);
    expect(changed.some((name) => /^\/assets\/x\.[0-9a-f]{10}\.js$/.test(name))).toBe(true);
    expect(changed.some((name) => /^\/assets\/x\.[0-9a-f]{10}\.js\.map$/.test(name))).toBe(true);
    expect(html(after)).not.toBe(html(before));
    expect(before.get('/')!.tag).not.toBe(after.get('/')!.tag);
    const script = [...after.files].find(([name]) => name.endsWith('.js'))!;
    expect(Buffer.from(script[1].codings.identity).toString()).toContain(`sourceMappingURL=${changed.find((n) => n.endsWith('.map'))!.slice('/assets/'.length)}`);
  });
});

describe('StaticSite.save and read (npm run build)', () => {
  it('reads back the site it saved: every file, coding, validator and policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'breakwater-saved-site-'));
    await site.save(dir);
    const read = await StaticSite.read(dir);
    expect([...read.files.keys()].sort()).toEqual([...site.files.keys()].sort());
    for (const [url, file] of site.files) {
      const again = read.files.get(url)!;
      expect({ ...again, codings: Object.keys(again.codings).sort() }, url).toEqual({ ...file, codings: Object.keys(file.codings).sort() });
      for (const [coding, bytes] of Object.entries(file.codings)) expect(Buffer.from(again.codings[coding as keyof typeof file.codings]!).equals(Buffer.from(bytes)), `${url} ${coding}`).toBe(true);
    }
    expect([...read.files.values()].some((file) => file.contentSecurityPolicy !== undefined)).toBe(true);
  });
});
