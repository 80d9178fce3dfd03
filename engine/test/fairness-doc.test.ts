/**
 * docs/fairness.md is the draw's specification: its test vectors are read
 * from the page and checked against the engine's code and against a second,
 * deliberately naive implementation written from the page alone (one
 * keystream buffer, BigInt arithmetic, the formulas verbatim).
 */
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { placeIn, verifyDrawProof, type DrawProof } from '../src/fairness/draw-proof.js';
import { drawKey, entriesDigest, pseudonymOf } from '../src/fairness/draw.js';
import { commitmentOf, shuffledIndices } from '../src/fairness/shuffle.js';
import { invitationsFor } from '../src/registration/registration-book.js';

const doc = readFileSync(new URL('../../docs/fairness.md', import.meta.url), 'utf8');
const vectors = (kind: string): unknown[] =>
  [...doc.matchAll(/```json vector=(\w+)\n([\s\S]*?)```/g)].filter((m) => m[1] === kind).flatMap((m) => {
    const value: unknown = JSON.parse(m[2]!);
    return Array.isArray(value) ? value : [value];
  });

interface Entry { pseudonym: string; joinNumber: number }

// ── The naive implementation, from the page ──────────────────────────────

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const naive = {
  commitment: (seed: string) => sha256(Buffer.from(seed, 'hex')).toString('hex'),
  pseudonym: (receipt: string, fanId: string) => createHmac('sha256', Buffer.from(receipt, 'hex')).update(Buffer.from(fanId, 'utf8')).digest().subarray(0, 16).toString('hex'),
  digest(entries: readonly Entry[]): string {
    return sha256(...entries.map((e) => {
      const encoded = Buffer.alloc(24);
      encoded.writeBigUInt64BE(BigInt(e.joinNumber));
      Buffer.from(e.pseudonym, 'hex').copy(encoded, 8);
      return encoded;
    })).toString('hex');
  },
  key: (seed: string, digest: string, beacon: string | null) =>
    sha256(Buffer.from('breakwater-draw-v2', 'ascii'), Buffer.from(seed, 'hex'), Buffer.from(digest, 'hex'), Buffer.from(beacon ?? '', 'hex')).toString('hex'),
  permutation(key: string, n: number): number[] {
    const p = Array.from({ length: n }, (_, k) => k);
    const keystream = createCipheriv('chacha20', Buffer.from(key, 'hex'), Buffer.alloc(16)).update(Buffer.alloc(4 * n + 4096));
    let offset = 0;
    const two32 = 1n << 32n;
    for (let i = n - 1; i >= 1; i--) {
      const m = BigInt(i + 1);
      const limit = two32 - (two32 % m);
      let w: bigint;
      do {
        w = BigInt(keystream.readUInt32LE(offset));
        offset += 4;
      } while (w >= limit);
      const j = Number(w % m);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  },
};

const columns = (entries: readonly Entry[]) => ({ joinNumbers: entries.map((e) => e.joinNumber), pseudonyms: Buffer.from(entries.map((e) => e.pseudonym).join(''), 'hex') });

describe('docs/fairness.md test vectors', () => {
  it('has vectors for every rule', () => {
    for (const kind of ['commitment', 'pseudonym', 'entriesDigest', 'key', 'permutation', 'invitations']) expect(vectors(kind).length, kind).toBeGreaterThanOrEqual(2);
    expect(vectors('draw').map((v) => (v as { proof: DrawProof }).proof.draw)).toEqual(['preQueue', 'phase:members', 'registration']);
  });

  it.each(vectors('commitment') as Array<{ seed: string; commitment: string }>)('commitment of seed $seed', ({ seed, commitment }) => {
    expect(commitmentOf(seed)).toBe(commitment);
    expect(naive.commitment(seed)).toBe(commitment);
  });

  it.each(vectors('pseudonym') as Array<{ receipt: string; fanId: string; pseudonym: string }>)('pseudonym of $fanId', ({ receipt, fanId, pseudonym }) => {
    expect(pseudonymOf(Buffer.from(receipt, 'hex'), fanId).toString('hex')).toBe(pseudonym);
    expect(naive.pseudonym(receipt, fanId)).toBe(pseudonym);
  });

  it.each(vectors('entriesDigest') as Array<{ entries: Entry[]; entriesDigest: string }>)('entries digest $entriesDigest', ({ entries, entriesDigest: digest }) => {
    expect(entriesDigest(columns(entries)).toString('hex')).toBe(digest);
    expect(naive.digest(entries)).toBe(digest);
  });

  it.each(vectors('key') as Array<{ seed: string; entriesDigest: string; beacon: string | null; key: string }>)('key with beacon $beacon', ({ seed, entriesDigest: digest, beacon, key }) => {
    expect(drawKey(seed, Buffer.from(digest, 'hex'), beacon ?? undefined).toString('hex')).toBe(key);
    expect(naive.key(seed, digest, beacon)).toBe(key);
  });

  it.each(vectors('permutation') as Array<{ key: string; count: number; permutation: number[] }>)('permutation keyed $key', ({ key, count, permutation }) => {
    expect(Array.from(shuffledIndices(key, count))).toEqual(permutation);
    expect(naive.permutation(key, count)).toEqual(permutation);
  });

  it.each(vectors('draw') as Array<{ proof: DrawProof; places: Array<{ fanId: string; receipt: string; number: number }> }>)('a whole draw', ({ proof, places }) => {
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: proof.entries.length });
    // The naive way, step by step.
    expect(naive.commitment(proof.seed)).toBe(proof.commitment);
    expect(naive.digest(proof.entries)).toBe(proof.entriesDigest);
    const p = naive.permutation(naive.key(proof.seed, proof.entriesDigest, proof.beacon?.value ?? null), proof.entries.length);
    expect(p.map((i) => proof.entries[i]!.joinNumber)).toEqual(proof.order);
    for (const { fanId, receipt, number } of places) {
      const mine = proof.entries.find((e) => e.pseudonym === naive.pseudonym(receipt, fanId))!;
      expect(proof.firstNumber + proof.order.indexOf(mine.joinNumber), fanId).toBe(number);
      expect(placeIn(proof, receipt, fanId)?.number, fanId).toBe(number);
    }
  });

  it.each(vectors('invitations') as Array<{ seats: number; buyerSharePercent: number; ticketsPerBuyer: number; registrations: number; invitations: number }>)(
    'invitations for $seats tickets at $buyerSharePercent % × $ticketsPerBuyer',
    ({ seats, buyerSharePercent, ticketsPerBuyer, registrations, invitations }) => {
      expect(invitationsFor(seats, buyerSharePercent, ticketsPerBuyer, registrations)).toBe(invitations);
      // The naive way: exact integers, the formula verbatim.
      const b = BigInt(buyerSharePercent * ticketsPerBuyer);
      const a = BigInt(seats) * 100n;
      expect(Math.min(registrations, Number(a / b + (a % b === 0n ? 0n : 1n)))).toBe(invitations);
    },
  );
});
