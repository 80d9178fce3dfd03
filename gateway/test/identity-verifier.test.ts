/**
 * The identity settings and the verifier on their own: how a settings patch
 * merges, which keys it takes, and every algorithm and rotation case of
 * verification.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BreakwaterError, type ConfigIssue } from '../../engine/src/index.js';
import { applyIdentityPatch, identityForOrganizer, type IdentitySettings } from '../../engine/host/identity-settings.js';
import { IdentityVerifier } from '../src/identity/verifier.js';
import { HS256_SECRET, hs256Token, keyToken, signingKey } from './helpers/identity-tokens.js';

function apply(current: IdentitySettings | null, patch: unknown): { next: IdentitySettings | null; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  return { next: applyIdentityPatch(current, patch, issues), issues };
}

describe('identity settings', () => {
  it('merges a patch field by field; null removes a field, and identity: null switches verification off', () => {
    const { next: first } = apply(null, { required: true, hs256Secret: HS256_SECRET, issuer: 'https://a.example' });
    expect(first).toEqual({ required: true, hs256Secret: HS256_SECRET, issuer: 'https://a.example' });
    const { next: second, issues } = apply(first, { issuer: null, maxAgeSec: 600 });
    expect(issues).toEqual([]);
    expect(second).toEqual({ required: true, hs256Secret: HS256_SECRET, maxAgeSec: 600 });
    expect(apply(second, { hs256Secret: null }).issues.map((i) => i.field)).toEqual(['settings.identity']);
    expect(apply(second, null).next).toBeNull();
  });

  it('takes EdDSA, ES256 and RS256 public keys as a JWKS, a list or one key, keeping only their public members', async () => {
    const keys = await Promise.all([signingKey('EdDSA', 'ed'), signingKey('ES256', 'es'), signingKey('RS256', 'rs')]);
    const jwks = keys.map((k) => ({ ...k.publicJwk, ext: true, key_ops: ['verify'] }));
    for (const publicKeys of [{ keys: jwks }, jwks]) {
      const { next, issues } = apply(null, { publicKeys });
      expect(issues).toEqual([]);
      expect(next!.publicKeys!.keys.map((k) => Object.keys(k).sort())).toEqual([['crv', 'kid', 'kty', 'x'], ['crv', 'kid', 'kty', 'x', 'y'], ['e', 'kid', 'kty', 'n']]);
    }
    expect(apply(null, { publicKeys: jwks[0] }).next!.publicKeys!.keys).toHaveLength(1);
  });

  it('refuses an RSA key under 2048 bits and a key whose alg does not fit its type', async () => {
    // jose will not make one; node:crypto will.
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(apply(null, { publicKeys: [publicKey.export({ format: 'jwk' })] }).issues[0]!.reason).toMatch(/2048/);
    const ed = await signingKey('EdDSA', 'ed');
    expect(apply(null, { publicKeys: [{ ...ed.publicJwk, alg: 'RS256' }] }).issues).toHaveLength(1);
  });

  it('shows the secret to nobody', () => {
    expect(identityForOrganizer({ required: true, hs256Secret: HS256_SECRET })).toEqual({ required: true, hs256Secret: 'set' });
    expect(identityForOrganizer(null)).toBeNull();
  });
});

describe('IdentityVerifier', () => {
  const verifier = new IdentityVerifier();

  it('verifies each algorithm with its own kind of key and maps the account to its fan id', async () => {
    for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
      const key = await signingKey(alg, alg);
      const identity = apply(null, { required: true, publicKeys: [key.publicJwk] }).next!;
      const verified = await verifier.verify(await keyToken(key, alg, 'ev', { sub: `user-${alg}`, groups: ['presale'] }), 'ev', identity);
      expect(verified).toEqual({ sub: `user-${alg}`, fanId: `acct:user-${alg}`, groups: ['presale'] });
    }
    const hs = apply(null, { required: true, hs256Secret: HS256_SECRET }).next!;
    expect((await verifier.verify(await hs256Token('ev', { sub: 'h' }), 'ev', hs)).fanId).toBe('acct:h');
  });

  it('rotates keys: tokens of the old and the new key verify, with or without kid, and a removed key stops verifying', async () => {
    const [old, fresh] = await Promise.all([signingKey('EdDSA', 'old'), signingKey('EdDSA', 'new')]);
    const both = apply(null, { required: true, publicKeys: [old.publicJwk, fresh.publicJwk] }).next!;
    for (const key of [old, fresh]) {
      for (const kid of [undefined, null]) expect((await verifier.verify(await keyToken(key, 'EdDSA', 'ev', { kid }), 'ev', both)).sub).toBe('alice');
    }
    const onlyFresh = apply(both, { publicKeys: [fresh.publicJwk] }).next!;
    const refused = await verifier.verify(await keyToken(old, 'EdDSA', 'ev'), 'ev', onlyFresh).catch((err: BreakwaterError) => err);
    expect(refused).toMatchObject({ code: 'IDENTITY_SIGNATURE', details: { reason: 'unknownKey' } });
  });
});
