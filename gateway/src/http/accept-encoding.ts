/**
 * Content negotiation on Accept-Encoding (RFC 9110 §12.5.3): which of the
 * codings a file is stored in the client takes. q-values count, `*` stands for
 * every coding not named, `identity` is acceptable unless refused by name or
 * by `*;q=0` (unnamed, it weighs as `*`, or as the least wanted coding named,
 * like the `negotiator` package). On a tie the smaller coding wins (the order
 * of `available`).
 */
export type Coding = 'br' | 'gzip' | 'identity';

/** Parses the header into coding → q (lowercased names; a bad q counts as 0). */
function weights(header: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (name === undefined || name === '') continue;
    const q = params.find((param) => param.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    result.set(name, Number.isFinite(value) && value >= 0 && value <= 1 ? value : 0);
  }
  return result;
}

/**
 * The coding to send among `available` (best first, `identity` always among them).
 * Without the header, or when nothing is acceptable, the bytes go as they are:
 * the RFC allows that rather than a 406, and a page that loads beats a refusal.
 */
export function chooseCoding(header: string | undefined, available: readonly Coding[]): Coding {
  if (header === undefined || header.trim() === '') return 'identity';
  const q = weights(header);
  const star = q.get('*');
  const identity = star ?? Math.min(1, ...[...q.values()].filter((weight) => weight > 0));
  const weightOf = (coding: Coding): number => q.get(coding) ?? (coding === 'identity' ? identity : (star ?? 0));
  let best: Coding = 'identity';
  let bestWeight = 0;
  for (const coding of available) {
    const weight = weightOf(coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}
