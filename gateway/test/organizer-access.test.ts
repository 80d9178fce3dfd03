/**
 * How a gateway process keeps its copy of the keys current when change
 * notices are lost (a Redis pub/sub message missed while reconnecting): the
 * store's version is polled, and a key it does not know makes it reload.
 */
import { describe, expect, it } from 'vitest';
import type { AccessStore } from '../src/access/access-store.js';
import { newApiKey } from '../src/access/api-keys.js';
import { MemoryAccessStore } from '../src/access/memory-access-store.js';
import { OrganizerAccess } from '../src/access/organizer-access.js';
import { Signer } from '../src/tokens.js';
import { SIGNING_SECRET, eventually } from './helpers/test-gateway.js';

/** The memory store, deaf: it never tells of a change. */
class DeafStore extends MemoryAccessStore {
  override onChange(): () => void {
    return () => undefined;
  }
}
const deafStore = (): AccessStore => new DeafStore();

function gatekeeper(store: AccessStore, pollMs: number): OrganizerAccess {
  return new OrganizerAccess({ store, bootstrapKey: 'bootstrap-key-0123456789', signer: new Signer(SIGNING_SECRET), log: () => undefined, pollMs });
}

describe('a gateway\'s copy of the keys', () => {
  it('learns of a revocation it was not told of from the version it polls', async () => {
    const store = deafStore();
    const { record, key } = newApiKey({ name: 'Polled', role: 'viewer', events: null }, 'bootstrap', 1);
    await store.addKey(record);
    const access = gatekeeper(store, 20);
    await access.start();
    try {
      expect(access.authenticate(`Bearer ${key}`).keyId).toBe(record.id);
      await store.revokeKey(record.id, 'bootstrap', 2);
      await eventually(() => expect(() => access.authenticate(`Bearer ${key}`)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED', details: { reason: 'revoked' } })));
    } finally {
      access.stop();
    }
  });

  it('reloads when a key it does not know comes, so a key made elsewhere a moment ago works on the retry', async () => {
    const store = deafStore();
    // No poll within the test: only the unknown key can make it reload.
    const access = gatekeeper(store, 3_600_000);
    await access.start();
    try {
      const { record, key } = newApiKey({ name: 'Fresh', role: 'operator', events: null }, 'bootstrap', 1);
      await store.addKey(record);
      expect(() => access.authenticate(`Bearer ${key}`)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
      await eventually(() => expect(access.authenticate(`Bearer ${key}`).role).toBe('operator'));
    } finally {
      access.stop();
    }
  });
});
