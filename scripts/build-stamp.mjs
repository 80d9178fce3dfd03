// @ts-check
/**
 * The stamp `npm run build` leaves in dist/: when the build started reading
 * its sources, every file it read, and the program's entry. dist/ is stale
 * when any of those files, or a directory holding one (a file added or
 * removed beside them), changed after that instant, or is gone. Checking it
 * costs one stat per file and needs nothing but Node, so a fresh dist/ starts
 * without the devDependencies.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const STAMP_FILE = 'build-stamp.json';

/**
 * @typedef {object} BuildStamp
 * @property {number} startedAt when the build began reading sources (ms since the epoch)
 * @property {string} main the program `npm start` runs, relative to dist/
 * @property {string[]} inputs every file the build read, relative to the checkout
 */

/** @param {string} distDir @param {BuildStamp} stamp */
export function writeStamp(distDir, stamp) {
  writeFileSync(join(distDir, STAMP_FILE), `${JSON.stringify(stamp, null, 1)}\n`);
}

/** @param {string} distDir @returns {BuildStamp | undefined} */
export function readStamp(distDir) {
  try {
    return JSON.parse(readFileSync(join(distDir, STAMP_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Why dist/ must be built again from the sources under `root`, or undefined when it is fresh.
 * @param {string} root the checkout
 * @param {string} distDir
 * @returns {string | undefined}
 */
export function whyStale(root, distDir) {
  const stamp = readStamp(distDir);
  if (stamp === undefined) return 'dist/ has not been built';
  // Not the checkout's root itself (package.json's): every build (dist/) and install (node_modules) changes it.
  const directories = new Set(stamp.inputs.map((input) => dirname(input)).filter((directory) => directory !== '.'));
  for (const path of [...stamp.inputs, ...directories]) {
    const stats = statSync(join(root, path), { throwIfNoEntry: false });
    if (stats === undefined) return `${path} is gone`;
    if (stats.mtimeMs > stamp.startedAt) return `${path} changed`;
  }
  return undefined;
}
