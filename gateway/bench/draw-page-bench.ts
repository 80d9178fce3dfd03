/**
 * `npm run bench:draw-page [-- --runs N]`: what a fan's check of a stadium's
 * draw costs. In Debian's chromium, the fan page's per-fan check
 * (pages/lib/draw-check.ts placeFromSummary: the seed against its commitment,
 * the key, then the Fisher–Yates following one entry over the plain
 * TypeScript ChaCha20) for draws of 1 M and 5 M entries, against a reference
 * measured in the same run: the same code in Node.js, and the engine's whole
 * permutation (OpenSSL's ChaCha20) of the same n. Then the gateway's side
 * of a 1 M-entry proof (PublishedDraw): its index, its gzipped JSON (size
 * and time) and a lookup by pseudonym. Medians of `runs` runs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { median } from '../../engine/bench/bench-helpers.js';
import { shuffledIndices } from '../../engine/src/index.js';
import { placeFromSummary, type DrawSummary } from '../pages/lib/draw-check.js';
import { PublishedDraw } from '../src/published-draw.js';

const CHROMIUM = process.env.BREAKWATER_CHROMIUM ?? '/usr/bin/chromium';
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Math.max(1, Number(values.runs));
const SIZES = [1_000_000, 5_000_000];

function summaryOf(count: number): DrawSummary {
  const seed = randomBytes(32);
  return {
    version: 2, draw: 'preQueue', seed: seed.toString('hex'), commitment: createHash('sha256').update(seed).digest('hex'),
    entriesDigest: randomBytes(32).toString('hex'), beacon: null, firstNumber: 1, count,
  };
}

const timedMs = (run: () => unknown): number => {
  const start = performance.now();
  run();
  return performance.now() - start;
};
const medianOf = (runOnce: () => number) => median(Array.from({ length: RUNS }, runOnce));
const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;

// The page's own code, bundled for the browser as the fan page is.
const bundle = await build({
  stdin: { contents: "import { placeFromSummary } from './gateway/pages/lib/draw-check.ts'; globalThis.placeFromSummary = placeFromSummary;", resolveDir: process.cwd(), loader: 'ts' },
  bundle: true, format: 'iife', platform: 'browser', target: 'es2022', minify: true, write: false,
});
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--headless=new'] });
const page = await browser.newPage();
await page.addScriptTag({ content: bundle.outputFiles[0]!.text });

console.log(`The per-fan check of a draw, medians of ${RUNS} runs (the cost is the same for every entry: n − 1 uniform draws)`);
console.log('| entries | chromium: per-fan check | node: same code | ÷ | node: engine\'s whole permutation (OpenSSL) | chromium ÷ engine |');
console.log('|---|---|---|---|---|---|');
for (const count of SIZES) {
  const summary = summaryOf(count);
  const entry = { index: 0, pseudonym: '00'.repeat(16), joinNumber: 1 };
  const browserTimes: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    browserTimes.push(await page.evaluate(([s, e]) => {
      const start = performance.now();
      const result = (globalThis as unknown as { placeFromSummary: (s: unknown, e: unknown) => { ok: boolean } }).placeFromSummary(s, e);
      if (!result.ok) throw new Error('check failed');
      return performance.now() - start;
    }, [summary, entry] as const));
  }
  const inBrowser = median(browserTimes);
  const inNode = medianOf(() => timedMs(() => placeFromSummary(summary, entry)));
  const engine = medianOf(() => timedMs(() => shuffledIndices(summary.seed, count)));
  console.log(`| ${count.toLocaleString('en-US')} | **${ms(inBrowser)}** | ${ms(inNode)} | ${(inBrowser / inNode).toFixed(2)}× | ${ms(engine)} | ${(inBrowser / engine).toFixed(2)}× |`);
}
await browser.close();

const count = 1_000_000;
const entries = Array.from({ length: count }, (_, i) => ({ pseudonym: randomBytes(16).toString('hex'), joinNumber: i + 1 }));
const proof = {
  version: 2 as const, eventId: 'bench', draw: 'preQueue', drawnAt: 0, commitment: '0'.repeat(64), seed: '0'.repeat(64), beacon: null,
  entriesDigest: '0'.repeat(64), firstNumber: 1, entries, order: entries.map((e) => e.joinNumber),
};
const jsonMs = timedMs(() => JSON.stringify(proof));
const jsonBytes = Buffer.byteLength(JSON.stringify(proof));
let published: PublishedDraw | undefined;
const indexMs = timedMs(() => (published = new PublishedDraw(proof)));
const gzipStart = performance.now();
const gzipped = await published!.gzippedJson();
const gzipMs = performance.now() - gzipStart;
const lookups = 100_000;
const lookupMs = timedMs(() => {
  for (let i = 0; i < lookups; i++) if (published!.entry(entries[(i * 7919) % count]!.pseudonym) === undefined) throw new Error('lookup failed');
});
console.log(`\nThe gateway's side of a ${count.toLocaleString('en-US')}-entry proof (one run)`);
console.log(`| JSON.stringify of the proof (reference) | ${ms(jsonMs)} | ${(jsonBytes / 1e6).toFixed(1)} MB |`);
console.log(`| PublishedDraw: columns and pseudonym index | ${ms(indexMs)} | |`);
console.log(`| gzipped JSON, a piece at a time (libuv pool) | ${ms(gzipMs)} | ${(gzipped.length / 1e6).toFixed(1)} MB (${((100 * gzipped.length) / jsonBytes).toFixed(0)} %) |`);
console.log(`| entry lookup by pseudonym | ${((lookupMs * 1000) / lookups).toFixed(2)} µs each | |`);
