/**
 * The fan's own place, recomputed from the published draw once the place is
 * numbered (docs/fairness.md, "Checking your own place on a phone"): the
 * page finds its entry by pseudonym, fetches the draw's summary and follows
 * its entry through the permutation. A draw small enough for a phone
 * (WHOLE_PROOF_MAX_ENTRIES) is also downloaded whole and checked entirely.
 */
import { checkWholeProof, placeFromSummary, pseudonymOf, type DrawEntry, type DrawProof, type DrawSummary } from './draw-check.js';

/** About 7.6 MB of JSON (~2.5 MB gzipped): beyond it, only the per-fan check runs on the phone. */
export const WHOLE_PROOF_MAX_ENTRIES = 100_000;

export type OwnDrawCheck =
  | { kind: 'checking' }
  /** Recomputed: `number` is where the published draw places the fan; `whole` when the whole proof was checked too. */
  | { kind: 'recomputed'; draw: string; number: number; queueNumber: number; count: number; whole: boolean }
  /** The published draw does not hold up: `reason` says where. */
  | { kind: 'failed'; draw: string | null; reason: string }
  /** The draw could not be fetched (not a verdict): the page tries again on its next start. */
  | { kind: 'unavailable' };

export interface OwnDrawInput {
  eventId: string;
  /** The event's draws: `preQueue`, then `phase:<id>` of each later phase. */
  draws: string[];
  receipt: string;
  fanId: string;
  queueNumber: number;
  /** The pre-queue draw's commitment as the page saw it before the draw, if it did. */
  commitmentSeen: string | null;
}

export const drawUrl = (eventId: string, draw: string) => `/api/public/events/${encodeURIComponent(eventId)}/draws/${encodeURIComponent(draw)}`;

class Unavailable extends Error {}

async function getJson<T>(url: string): Promise<T | undefined> {
  const response = await fetch(url).catch(() => undefined);
  if (response === undefined) throw new Unavailable();
  if (response.status === 404 || response.status === 409) return undefined;
  if (!response.ok) throw new Unavailable();
  return (await response.json()) as T;
}

export async function checkOwnDraw(input: OwnDrawInput): Promise<OwnDrawCheck> {
  try {
    const pseudonym = pseudonymOf(input.receipt, input.fanId);
    for (const draw of input.draws) {
      // Not in this draw (or it has not run): the place is in another one.
      const entry = await getJson<DrawEntry>(`${drawUrl(input.eventId, draw)}/entries/${pseudonym}`);
      if (entry === undefined) continue;
      const summary = await getJson<DrawSummary>(`${drawUrl(input.eventId, draw)}/summary`);
      if (summary === undefined) throw new Unavailable();
      return await recompute(input, draw, pseudonym, entry, summary);
    }
    return { kind: 'failed', draw: null, reason: 'no published draw of this event holds your entry' };
  } catch (err) {
    if (err instanceof Unavailable) return { kind: 'unavailable' };
    return { kind: 'failed', draw: null, reason: `the published draw could not be read (${err instanceof Error ? err.message : String(err)})` };
  }
}

async function recompute(input: OwnDrawInput, draw: string, pseudonym: string, entry: DrawEntry, summary: DrawSummary): Promise<OwnDrawCheck> {
  if (entry.pseudonym.toLowerCase() !== pseudonym) return { kind: 'failed', draw, reason: 'the entry returned for your pseudonym is not yours' };
  if (draw === 'preQueue' && input.commitmentSeen !== null && summary.commitment.toLowerCase() !== input.commitmentSeen.toLowerCase()) {
    return { kind: 'failed', draw, reason: 'the published commitment is not the one this page showed before the draw' };
  }
  const place = placeFromSummary(summary, entry);
  if (!place.ok) return { kind: 'failed', draw, reason: place.reason };
  const whole = summary.count <= WHOLE_PROOF_MAX_ENTRIES;
  if (whole) {
    const proof = await getJson<DrawProof>(drawUrl(input.eventId, draw));
    if (proof === undefined) throw new Unavailable();
    const sameDraw = proof.seed === summary.seed && proof.commitment === summary.commitment && proof.entriesDigest === summary.entriesDigest;
    if (!sameDraw) return { kind: 'failed', draw, reason: 'the whole proof is not the draw its summary describes' };
    const checked = checkWholeProof(proof, pseudonym);
    if (!checked.ok) return { kind: 'failed', draw, reason: checked.reason };
    if (checked.number !== place.number) return { kind: 'failed', draw, reason: 'the whole proof places you elsewhere than its summary and your entry do' };
  }
  return { kind: 'recomputed', draw, number: place.number, queueNumber: input.queueNumber, count: summary.count, whole };
}
