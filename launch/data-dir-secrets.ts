/**
 * Secrets `npm start` generated, kept in the data directory: the journal's
 * draw seeds are sealed with the signing secret and fans resume with tokens
 * it signed, so a restart on the same data must use the same secrets. Given
 * ones (the environment) always win and are never written here.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayOptions } from '../gateway/src/config.js';

type Kept = Partial<Record<GatewayOptions['generated'][number], string>>;

export const SECRETS_FILE = 'secrets.json';

/** Replaces this run's generated secrets with those kept from an earlier run, and keeps any new one. */
export async function keepGeneratedSecrets(dataDir: string, options: GatewayOptions): Promise<void> {
  const path = join(dataDir, SECRETS_FILE);
  let kept: Kept = {};
  try {
    kept = JSON.parse(await readFile(path, 'utf8')) as Kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  let changed = false;
  for (const field of options.generated) {
    const value = kept[field];
    if (typeof value === 'string' && value.length > 0) options[field] = value;
    else {
      kept[field] = options[field];
      changed = true;
    }
  }
  if (!changed) return;
  // Written aside and renamed: a crash leaves the old file or the new one, never half of one.
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(kept, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}
