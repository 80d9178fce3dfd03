/**
 * Reserved-seating inventory for one event.
 *
 * Seats are numbers, not objects: a venue has 60,000+ of them and every hold
 * touches a few, so state lives in typed arrays indexed by seat number and the
 * only per-seat objects are the id strings we must hand back anyway. Seats are
 * numbered section → row → seat, so a row is a contiguous index range and
 * "side by side" is simply i and i+1.
 *
 * Best available tries, in order: a block side by side that strands no lone
 * seat, any block side by side, the best seats of one section, the best seats
 * anywhere. The first two run on every request, so they must not scan the
 * venue: each category keeps its rows sorted by their best rank plus a live
 * free count per row. Rows too empty for the block are skipped by their count,
 * and once a block is found we stop at the first row whose best rank, times N,
 * already exceeds it — early in a sale that is a handful of rows. A "lone"
 * seat is one free seat of the category boxed in by a taken seat, the row end
 * or another category: nobody asking for that category can ever buy it in a
 * pair, which is why we avoid creating one. Steps 3 and 4 only run once no row
 * has N together, i.e. when little is left; they walk the category's seats in
 * rank order from a cursor that skips the taken prefix (a release moves it
 * back), and step 3 stops as soon as no unfinished section can still win.
 * Sums are added in the same order as their lower bounds, so the pruning is
 * exact even with fractional ranks.
 */
import { seatId, type SectionConfig } from '../config/types.js';
import { BreakwaterError } from '../errors.js';

export type SeatStatus = 'free' | 'held' | 'sold';

const FREE = 0;
const HELD = 1;
const SOLD = 2;
type State = typeof FREE | typeof HELD | typeof SOLD;
const STATUS: readonly SeatStatus[] = ['free', 'held', 'sold'];

interface CategoryIndex {
  /** Rows holding at least one seat of the category, lowest best rank first (tie: row order). */
  rows: Uint32Array;
  /** Best rank of the category's seats in each of `rows` (free or not). */
  rowMinRank: Float64Array;
  /** Free seats of the category in each of `rows`. */
  rowFree: Int32Array;
  /** The category's seats by rank (tie: seat number). */
  byRank: Uint32Array;
  /** Every seat before this position in `byRank` is held or sold. */
  cursor: number;
  free: number;
}

/** base + r + r + ... (k times), added in the same order as a real sum of k ranks ≥ r. */
function boundSum(base: number, r: number, k: number): number {
  let s = base;
  for (let i = 0; i < k; i++) s += r;
  return s;
}

export class SeatMap {
  readonly total: number;
  private freeCount: number;
  private heldCount = 0;
  private readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly state: Uint8Array;
  private readonly rank: Float64Array;
  private readonly cat: Uint32Array;
  private readonly seatSection: Uint32Array;
  /** Position of the seat's row in its category's `rows`. */
  private readonly rowSlot: Uint32Array;
  /** Position of the seat in its category's `byRank`. */
  private readonly rankPos: Uint32Array;
  /** Row r holds seats rowStart[r] .. rowStart[r + 1] - 1. */
  private readonly rowStart: Uint32Array;
  private readonly catNames: string[] = [];
  private readonly catIndex = new Map<string, number>();
  private readonly cats: CategoryIndex[] = [];
  /** Scratch for step 3, all zero between calls. */
  private readonly secCount: Int32Array;
  private readonly secSum: Float64Array;

  constructor(sections: readonly SectionConfig[]) {
    let n = 0;
    let nRows = 0;
    for (const section of sections) {
      nRows += section.rows.length;
      for (const row of section.rows) n += row.seats.length;
    }
    this.total = n;
    this.freeCount = n;
    this.state = new Uint8Array(n);
    this.rank = new Float64Array(n);
    this.cat = new Uint32Array(n);
    this.seatSection = new Uint32Array(n);
    this.rowSlot = new Uint32Array(n);
    this.rankPos = new Uint32Array(n);
    this.rowStart = new Uint32Array(nRows + 1);
    this.secCount = new Int32Array(sections.length);
    this.secSum = new Float64Array(sections.length);

    // Per category, in row order: the rows it appears in and their best rank.
    const catRows: number[][] = [];
    const catMins: number[][] = [];
    const catSize: number[] = [];
    let s = 0;
    let r = 0;
    sections.forEach((section, si) => {
      for (const row of section.rows) {
        this.rowStart[r] = s;
        for (const seat of row.seats) {
          const id = seatId(section.id, row.id, seat.label);
          if (this.index.has(id)) throw new Error(`SeatMap: duplicate seat id ${id}`);
          if (!Number.isFinite(seat.rank)) throw new Error(`SeatMap: seat ${id} has a non-finite rank`);
          let c = this.catIndex.get(seat.category);
          if (c === undefined) {
            c = this.catNames.length;
            this.catIndex.set(seat.category, c);
            this.catNames.push(seat.category);
            catRows.push([]);
            catMins.push([]);
            catSize.push(0);
          }
          const rows = catRows[c]!;
          const mins = catMins[c]!;
          const last = rows.length - 1;
          if (rows[last] !== r) {
            rows.push(r);
            mins.push(seat.rank);
          } else if (seat.rank < mins[last]!) {
            mins[last] = seat.rank;
          }
          this.index.set(id, s);
          this.ids.push(id);
          this.rank[s] = seat.rank;
          this.cat[s] = c;
          this.seatSection[s] = si;
          this.rowSlot[s] = rows.length - 1; // in row order; remapped below
          catSize[c]!++;
          s++;
        }
        r++;
      }
    });
    this.rowStart[r] = s;

    const byRank = catSize.map((size) => new Uint32Array(size));
    const fill = new Array<number>(catSize.length).fill(0);
    for (let i = 0; i < n; i++) byRank[this.cat[i]!]![fill[this.cat[i]!]!++] = i;

    const newSlot: Uint32Array[] = [];
    for (let c = 0; c < this.catNames.length; c++) {
      const rows = catRows[c]!;
      const mins = catMins[c]!;
      const order = rows.map((_, k) => k).sort((a, b) => mins[a]! - mins[b]! || rows[a]! - rows[b]!);
      const remap = new Uint32Array(rows.length);
      order.forEach((k, pos) => (remap[k] = pos));
      newSlot.push(remap);
      const seats = byRank[c]!.sort((a, b) => this.rank[a]! - this.rank[b]! || a - b);
      seats.forEach((seat, pos) => (this.rankPos[seat] = pos));
      this.cats.push({
        rows: Uint32Array.from(order, (k) => rows[k]!),
        rowMinRank: Float64Array.from(order, (k) => mins[k]!),
        rowFree: new Int32Array(rows.length),
        byRank: seats,
        cursor: 0,
        free: catSize[c]!,
      });
    }
    for (let i = 0; i < n; i++) {
      const c = this.cat[i]!;
      const slot = newSlot[c]![this.rowSlot[i]!]!;
      this.rowSlot[i] = slot;
      this.cats[c]!.rowFree[slot]!++;
    }
  }

  /** Free seats overall. */
  get free(): number {
    return this.freeCount;
  }

  /** Seats in holds overall. */
  get held(): number {
    return this.heldCount;
  }

  /** Free seats in a category; 0 for an unknown category. */
  freeIn(category: string): number {
    const c = this.catIndex.get(category);
    return c === undefined ? 0 : this.cats[c]!.free;
  }

  /** Categories in the order they first appear in the venue. */
  categories(): string[] {
    return [...this.catNames];
  }

  hasCategory(category: string): boolean {
    return this.catIndex.has(category);
  }

  status(seatId: string): SeatStatus | undefined {
    const i = this.index.get(seatId);
    return i === undefined ? undefined : STATUS[this.state[i]!];
  }

  categoryOf(seatId: string): string | undefined {
    const i = this.index.get(seatId);
    return i === undefined ? undefined : this.catNames[this.cat[i]!];
  }

  /** Throws BreakwaterError SEAT_NOT_FOUND (details.seatId) or SEAT_TAKEN (details.seatId) for the first bad seat, and MALFORMED_COMMAND for duplicates in the list. Never mutates. */
  assertFree(seatIds: readonly string[]): void {
    const seen = seatIds.length > 1 ? new Set<number>() : undefined;
    for (const id of seatIds) {
      const i = this.index.get(id);
      if (i === undefined) {
        throw new BreakwaterError('SEAT_NOT_FOUND', `Seat ${String(id)} does not exist.`, { details: { seatId: id } });
      }
      if (seen !== undefined) {
        if (seen.has(i)) {
          throw new BreakwaterError('MALFORMED_COMMAND', `Seat ${id} is listed twice.`, { details: { seatId: id } });
        }
        seen.add(i);
      }
      if (this.state[i] !== FREE) {
        throw new BreakwaterError('SEAT_TAKEN', `Seat ${id} is ${STATUS[this.state[i]!]}.`, { details: { seatId: id } });
      }
    }
  }

  /**
   * Best available `quantity` seats in `category`, or null when fewer are free. Never mutates.
   * Seats come back in venue order. Throws MALFORMED_COMMAND unless quantity is a positive integer.
   */
  findBest(category: string, quantity: number): string[] | null {
    if (!Number.isSafeInteger(quantity) || quantity < 1) {
      throw new BreakwaterError('MALFORMED_COMMAND', 'quantity must be a positive integer.', { details: { quantity } });
    }
    const c = this.catIndex.get(category);
    if (c === undefined) return null;
    const ci = this.cats[c]!;
    if (ci.free < quantity) return null;
    return this.bestBlock(c, ci, quantity) ?? this.bestOneSection(ci, quantity) ?? this.bestAnywhere(ci, quantity);
  }

  /** free → held. Engine-internal: the caller has already checked; a wrong state is a bug. */
  hold(seatIds: readonly string[]): void {
    this.transition(seatIds, FREE, HELD, 'hold');
  }

  /** held → sold. */
  sell(seatIds: readonly string[]): void {
    this.transition(seatIds, HELD, SOLD, 'sell');
  }

  /** held → free. */
  release(seatIds: readonly string[]): void {
    this.transition(seatIds, HELD, FREE, 'release');
  }

  /** sold → free: a cancelled purchase puts its seats back on sale. */
  returnSold(seatIds: readonly string[]): void {
    this.transition(seatIds, SOLD, FREE, 'returnSold');
  }

  // Steps 1 and 2 in one pass: track the best clean block and the best block that strands a lone seat.
  private bestBlock(c: number, ci: CategoryIndex, n: number): string[] | null {
    const { state, cat, rank, rowStart } = this;
    let clean = -1;
    let cleanSum = Infinity;
    let loose = -1;
    let looseSum = Infinity;
    for (let k = 0; k < ci.rows.length; k++) {
      if (ci.rowFree[k]! < n) continue;
      // Rows are sorted by best rank: no later row can beat the clean block found.
      if (clean >= 0 && boundSum(0, ci.rowMinRank[k]!, n) > cleanSum) break;
      const r = ci.rows[k]!;
      const end = rowStart[r + 1]!;
      let i = rowStart[r]!;
      while (i < end) {
        if (state[i] !== FREE || cat[i] !== c) {
          i++;
          continue;
        }
        let j = i + 1;
        while (j < end && state[j] === FREE && cat[j] === c) j++;
        // [i, j) is a run of free seats of the category; try every block of n inside it.
        for (let a = i; a + n <= j; a++) {
          const lone = a - i === 1 || j - (a + n) === 1;
          if (lone && clean >= 0) continue;
          let sum = 0;
          for (let t = a; t < a + n; t++) sum += rank[t]!;
          if (lone) {
            if (sum < looseSum || (sum === looseSum && a < loose)) [loose, looseSum] = [a, sum];
          } else if (sum < cleanSum || (sum === cleanSum && a < clean)) {
            [clean, cleanSum] = [a, sum];
          }
        }
        i = j;
      }
    }
    const start = clean >= 0 ? clean : loose;
    return start < 0 ? null : this.ids.slice(start, start + n);
  }

  // Step 3: the section whose n best free seats have the lowest rank sum (tie: section order).
  private bestOneSection(ci: CategoryIndex, n: number): string[] | null {
    const { state, rank, seatSection, secCount: count, secSum: sum } = this;
    const order = ci.byRank;
    const touched: number[] = [];
    let best = -1;
    let bestSum = Infinity;
    let lastRank = -Infinity;
    for (let p = this.firstFree(ci); p < order.length; p++) {
      const s = order[p]!;
      if (state[s] !== FREE) continue;
      const r = rank[s]!;
      if (best >= 0 && r > lastRank) {
        // Every seat still to come ranks ≥ r: stop when no unfinished section can reach bestSum.
        const hopeless = (sec: number) => count[sec]! >= n || boundSum(sum[sec]!, r, n - count[sec]!) > bestSum;
        if (boundSum(0, r, n) > bestSum && touched.every(hopeless)) break;
      }
      lastRank = r;
      const sec = seatSection[s]!;
      const k = count[sec]!;
      if (k >= n) continue;
      if (k === 0) touched.push(sec);
      count[sec] = k + 1;
      sum[sec] = sum[sec]! + r;
      if (k + 1 === n && (sum[sec]! < bestSum || (sum[sec]! === bestSum && sec < best))) {
        best = sec;
        bestSum = sum[sec]!;
      }
    }
    for (const sec of touched) {
      count[sec] = 0;
      sum[sec] = 0;
    }
    return best < 0 ? null : this.collect(ci, n, best);
  }

  // Step 4: the n lowest-ranked free seats of the category anywhere.
  private bestAnywhere(ci: CategoryIndex, n: number): string[] | null {
    return this.collect(ci, n, -1);
  }

  /** The n best free seats of the category, within one section unless section is -1, in venue order. */
  private collect(ci: CategoryIndex, n: number, section: number): string[] | null {
    const picked: number[] = [];
    const order = ci.byRank;
    for (let p = this.firstFree(ci); p < order.length && picked.length < n; p++) {
      const s = order[p]!;
      if (this.state[s] === FREE && (section < 0 || this.seatSection[s] === section)) picked.push(s);
    }
    if (picked.length < n) return null;
    return picked.sort((a, b) => a - b).map((s) => this.ids[s]!);
  }

  private firstFree(ci: CategoryIndex): number {
    const order = ci.byRank;
    let p = ci.cursor;
    while (p < order.length && this.state[order[p]!] !== FREE) p++;
    ci.cursor = p;
    return p;
  }

  private transition(seatIds: readonly string[], from: State, to: State, op: string): void {
    // Check everything first so a bad list changes nothing.
    const seats: number[] = [];
    const seen = seatIds.length > 1 ? new Set<number>() : undefined;
    for (const id of seatIds) {
      const i = this.index.get(id);
      if (i === undefined) throw new Error(`SeatMap.${op}: no seat ${id}`);
      if (this.state[i] !== from) {
        throw new Error(`SeatMap.${op}: seat ${id} is ${STATUS[this.state[i]!]}, expected ${STATUS[from]}`);
      }
      if (seen !== undefined) {
        if (seen.has(i)) throw new Error(`SeatMap.${op}: seat ${id} listed twice`);
        seen.add(i);
      }
      seats.push(i);
    }
    const delta = from === FREE ? -1 : to === FREE ? 1 : 0;
    this.heldCount += (to === HELD ? seats.length : 0) - (from === HELD ? seats.length : 0);
    for (const i of seats) {
      this.state[i] = to;
      if (delta === 0) continue;
      const ci = this.cats[this.cat[i]!]!;
      this.freeCount += delta;
      ci.free += delta;
      ci.rowFree[this.rowSlot[i]!]! += delta;
      if (delta > 0 && this.rankPos[i]! < ci.cursor) ci.cursor = this.rankPos[i]!;
    }
  }
}
