/**
 * The host's seed vault: a draw's seed is in the journal (and so in Redis)
 * only encrypted, with AES-256-GCM under a key derived from the deployment
 * secret (BREAKWATER_SECRET), until the draw reveals it. Any process holding
 * the same secret opens it: a restarted engine, or the shard taking a
 * partition over. Sealed: "v1." + base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag).
 *
 * The IV is synthetic: an HMAC of the seed under a second derived key, so
 * sealing is deterministic (the same steps record the same entries, and a
 * simulation's journal is reproducible) while two seeds never share an IV
 * under one key; it tells only whether two sealed seeds are equal.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { SeedVault } from '../src/event/sale-event.js';

const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEED_BYTES = 32;
/** Binds a sealed text to its use: a vault's ciphertext opens as nothing else. */
const AAD = Buffer.from('breakwater draw seed', 'ascii');

export function aesSeedVault(deploymentSecret: string): SeedVault {
  if (deploymentSecret.length === 0) throw new Error('the seed vault needs a non-empty deployment secret');
  const key = Buffer.from(hkdfSync('sha256', deploymentSecret, Buffer.alloc(0), 'breakwater seed vault v1', 32));
  const ivKey = Buffer.from(hkdfSync('sha256', deploymentSecret, Buffer.alloc(0), 'breakwater seed vault v1 iv', 32));
  return {
    seal(seedHex: string): string {
      const seed = Buffer.from(seedHex, 'hex');
      if (seed.length !== SEED_BYTES || seed.toString('hex') !== seedHex.toLowerCase()) throw new Error('a seed is 32 bytes in hexadecimal');
      const iv = createHmac('sha256', ivKey).update(seed).digest().subarray(0, IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(AAD);
      const sealed = Buffer.concat([iv, cipher.update(seed), cipher.final(), cipher.getAuthTag()]);
      return VERSION + sealed.toString('base64url');
    },
    open(sealed: string): string {
      const bytes = sealed.startsWith(VERSION) ? Buffer.from(sealed.slice(VERSION.length), 'base64url') : Buffer.alloc(0);
      if (bytes.length !== IV_BYTES + SEED_BYTES + TAG_BYTES) throw new Error('not a sealed seed (v1)');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES)).setAAD(AAD);
      decipher.setAuthTag(bytes.subarray(IV_BYTES + SEED_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, IV_BYTES + SEED_BYTES)), decipher.final()]).toString('hex');
      } catch {
        throw new Error('cannot open a sealed seed: this deployment secret (BREAKWATER_SECRET) is not the one it was sealed under');
      }
    },
  };
}
