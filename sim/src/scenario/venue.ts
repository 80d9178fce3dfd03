import { readFileSync } from 'node:fs';
import type { SectionConfig, TierConfig } from '../../../engine/src/index.js';
import type { GeneratedVenueSpec } from './types.js';

/** What the fans can ask for: GA tiers and seat categories, each with how popular it is. */
export interface Venue {
  tiers: TierConfig[];
  sections: SectionConfig[];
  /** For GA: tier ids; for seats: categories. Fans pick the first by weight, then fall back to the others. */
  options: Array<{ id: string; kind: 'tier' | 'category'; weight: number }>;
  seats: number;
  gaTickets: number;
}

/**
 * Sections in a horseshoe around the stage: the middle sections face it,
 * rows go back from it and seats near the middle of a row see best. Lower
 * rank is better; categories are cut from the rank order by share.
 */
export function generateVenue(spec: GeneratedVenueSpec): Venue {
  const { sections: S, rowsPerSection: R, seatsPerRow: N } = spec;
  const ranks = new Float64Array(S * R * N);
  let i = 0;
  for (let s = 0; s < S; s++) {
    const off = S === 1 ? 0 : Math.abs(s - (S - 1) / 2) / ((S - 1) / 2);
    for (let r = 0; r < R; r++) {
      for (let k = 0; k < N; k++) ranks[i++] = r + off * R * 0.8 + (Math.abs(k - (N - 1) / 2) / N) * 2;
    }
  }
  const sorted = Float64Array.from(ranks).sort();
  const cuts: number[] = [];
  let share = 0;
  for (const category of spec.categories.slice(0, -1)) {
    share += category.share;
    cuts.push(sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!);
  }
  const categoryOf = (rank: number): string => {
    let c = 0;
    while (c < cuts.length && rank >= cuts[c]!) c++;
    return spec.categories[c]!.name;
  };
  const sections: SectionConfig[] = [];
  i = 0;
  for (let s = 0; s < S; s++) {
    const id = `S${String(s + 1).padStart(2, '0')}`;
    const rows = [];
    for (let r = 0; r < R; r++) {
      const seats = [];
      for (let k = 0; k < N; k++) {
        const rank = Math.round(ranks[i++]! * 1000) / 1000;
        seats.push({ label: String(k + 1), category: categoryOf(rank), rank });
      }
      rows.push({ id: `R${r + 1}`, seats });
    }
    sections.push({ id, name: `Section ${s + 1}`, rows });
  }
  return {
    tiers: [],
    sections,
    options: spec.categories.map((c) => ({ id: c.name, kind: 'category', weight: c.weight })),
    seats: S * R * N,
    gaTickets: 0,
  };
}

/** A venue from JSON: `{ sections }` or `{ inventory: { sections, tiers } }`, plus optional `weights: { idOrCategory: n }`. */
export function loadVenue(path: string): Venue {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as {
    sections?: SectionConfig[];
    tiers?: TierConfig[];
    inventory?: { sections?: SectionConfig[]; tiers?: TierConfig[] };
    weights?: Record<string, number>;
  };
  const sections = raw.inventory?.sections ?? raw.sections ?? [];
  const tiers = raw.inventory?.tiers ?? raw.tiers ?? [];
  const weights = raw.weights ?? {};
  const categories: string[] = [];
  let seats = 0;
  for (const section of sections) {
    for (const row of section.rows) {
      for (const seat of row.seats) {
        seats++;
        if (!categories.includes(seat.category)) categories.push(seat.category);
      }
    }
  }
  const options: Venue['options'] = [
    ...tiers.map((t) => ({ id: t.id, kind: 'tier' as const, weight: weights[t.id] ?? 1 })),
    ...categories.map((c) => ({ id: c, kind: 'category' as const, weight: weights[c] ?? 1 })),
  ];
  if (options.length === 0) throw new Error(`${path}: no tiers and no seats`);
  return { tiers, sections, options, seats, gaTickets: tiers.reduce((sum, t) => sum + t.quantity, 0) };
}

export function gaVenue(tiers: Array<TierConfig & { weight: number }>): Venue {
  return {
    tiers: tiers.map(({ id, name, price, quantity }) => ({ id, name, price, quantity })),
    sections: [],
    options: tiers.map((t) => ({ id: t.id, kind: 'tier', weight: t.weight })),
    seats: 0,
    gaTickets: tiers.reduce((sum, t) => sum + t.quantity, 0),
  };
}
