/**
 * The fan page's check of a draw (gateway/pages/lib/draw-check.ts) agrees with
 * the engine's verifier: on the vectors of docs/fairness.md, on a draw of a
 * few thousand entries, and on every kind of tampering it can see.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pseudonymOf as enginePseudonymOf, runDraw, commitmentOf, DRAW_VERSION, placeIn, verifyDrawProof, type DrawProof } from '../../engine/src/index.js';
import { checkWholeProof, placeFromSummary, pseudonymOf, type DrawSummary } from '../pages/lib/draw-check.js';

const doc = readFileSync(new URL('../../docs/fairness.md', import.meta.url), 'utf8');
const drawVectors = [...doc.matchAll(/```json vector=draw\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as {
  proof: DrawProof; places: Array<{ fanId: string; receipt: string; number: number }>;
});

const summaryOf = ({ entries, order: _order, ...header }: DrawProof): DrawSummary => ({ ...header, count: entries.length });
/** The page's per-fan path: its pseudonym, its entry's index, the summary. */
function perFanNumber(proof: DrawProof, receipt: string, fanId: string): number | string {
  const pseudonym = pseudonymOf(receipt, fanId);
  const index = proof.entries.findIndex((e) => e.pseudonym === pseudonym);
  const check = placeFromSummary(summaryOf(proof), { index, pseudonym, joinNumber: proof.entries[index]!.joinNumber });
  return check.ok ? check.number : check.reason;
}

/** A real draw of `count` fans, as the engine runs and publishes it. */
function engineDraw(count: number): { proof: DrawProof; fans: Array<{ fanId: string; receipt: string }> } {
  const fans = Array.from({ length: count }, (_, i) => ({ fanId: `fan-${i}`, receipt: randomBytes(16).toString('hex') }));
  const joinNumbers = fans.map((_, i) => 3 * i + 1);
  const pseudonyms = Buffer.concat(fans.map((f) => enginePseudonymOf(Buffer.from(f.receipt, 'hex'), f.fanId)));
  const seed = randomBytes(32).toString('hex');
  const beacon = randomBytes(32).toString('hex');
  const { entriesDigest, order } = runDraw(seed, { joinNumbers, pseudonyms }, beacon);
  const proof: DrawProof = {
    version: DRAW_VERSION, eventId: 'e', draw: 'preQueue', drawnAt: 1, commitment: commitmentOf(seed), seed,
    beacon: { name: 'drand quicknet', round: 9, value: beacon }, entriesDigest: entriesDigest.toString('hex'), firstNumber: 1,
    entries: fans.map((_, i) => ({ pseudonym: pseudonyms.subarray(i * 16, i * 16 + 16).toString('hex'), joinNumber: joinNumbers[i]! })),
    order: Array.from(order, (i) => joinNumbers[i]!),
  };
  return { proof, fans };
}

describe('the fan page\'s draw check', () => {
  it('computes the engine\'s pseudonyms (UTF-8 fan ids included)', () => {
    for (const fanId of ['fan-1', 'acct#Zoë', 'acct:日本']) {
      const receipt = randomBytes(16).toString('hex');
      expect(pseudonymOf(receipt, fanId)).toBe(enginePseudonymOf(Buffer.from(receipt, 'hex'), fanId).toString('hex'));
    }
  });

  it('finds every place of the document\'s draws, from the summary alone and from the whole proof', () => {
    // The queue's two example draws and the registration draw.
    expect(drawVectors.length).toBe(3);
    for (const { proof, places } of drawVectors) {
      for (const { fanId, receipt, number } of places) {
        expect(perFanNumber(proof, receipt, fanId)).toBe(number);
        expect(checkWholeProof(proof, pseudonymOf(receipt, fanId))).toEqual({ ok: true, number });
      }
    }
  });

  it('agrees with the engine on every place of a 3,000-entry draw', () => {
    const { proof, fans } = engineDraw(3000);
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: 3000 });
    for (const { fanId, receipt } of fans.slice(0, 200)) {
      const engine = placeIn(proof, receipt, fanId)!.number;
      expect(perFanNumber(proof, receipt, fanId)).toBe(engine);
      expect(checkWholeProof(proof, pseudonymOf(receipt, fanId))).toEqual({ ok: true, number: engine });
    }
  });

  it('refuses a seed that is not the committed one, and moves a fan when the key changes', () => {
    const { proof, fans } = engineDraw(500);
    const { fanId, receipt } = fans[0]!;
    const honest = placeIn(proof, receipt, fanId)!.number;
    const otherSeed = randomBytes(32).toString('hex');
    expect(perFanNumber({ ...proof, seed: otherSeed }, receipt, fanId)).toMatch(/not the commitment/);
    expect(perFanNumber({ ...proof, commitment: commitmentOf(otherSeed) }, receipt, fanId)).toMatch(/not the commitment/);
    // A consistent seed and commitment the fan never saw, or another beacon or digest: another place.
    const moved = fans.map((f) => perFanNumber({ ...proof, seed: otherSeed, commitment: commitmentOf(otherSeed) }, f.receipt, f.fanId));
    expect(moved.filter((n, i) => n !== placeIn(proof, fans[i]!.receipt, fans[i]!.fanId)!.number).length).toBeGreaterThan(400);
    expect(perFanNumber({ ...proof, beacon: { ...proof.beacon!, value: randomBytes(32).toString('hex') } }, receipt, fanId)).not.toBe(honest);
    expect(perFanNumber({ ...proof, seed: 'zz' }, receipt, fanId)).toMatch(/seed is not 32 bytes/);
  });

  it('refuses every tampering of the whole proof', () => {
    const { proof, fans } = engineDraw(500);
    const mine = pseudonymOf(fans[0]!.receipt, fans[0]!.fanId);
    const entries = proof.entries;
    const tampered: Record<string, DrawProof> = {
      renamed: { ...proof, entries: entries.map((e, i) => (i === 7 ? { ...e, pseudonym: randomBytes(16).toString('hex') } : e)) },
      dropped: { ...proof, entries: entries.filter((_, i) => i !== 7) },
      added: { ...proof, entries: [...entries, { pseudonym: randomBytes(16).toString('hex'), joinNumber: 99_999 }] },
      swapped: { ...proof, entries: entries.map((e, i) => (i === 3 ? { ...e, pseudonym: entries[4]!.pseudonym } : i === 4 ? { ...e, pseudonym: entries[3]!.pseudonym } : e)) },
      reordered: { ...proof, entries: [entries[1]!, entries[0]!, ...entries.slice(2)] },
      orderChanged: { ...proof, order: [proof.order[1]!, proof.order[0]!, ...proof.order.slice(2)] },
      orderTruncated: { ...proof, order: proof.order.slice(0, -1) },
      beacon: { ...proof, beacon: { ...proof.beacon!, value: randomBytes(32).toString('hex') } },
      seed: { ...proof, seed: randomBytes(32).toString('hex') },
    };
    for (const [kind, forged] of Object.entries(tampered)) expect(checkWholeProof(forged, mine).ok, kind).toBe(false);
    expect(checkWholeProof(proof, randomBytes(16).toString('hex'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not among/) });
  });
});
