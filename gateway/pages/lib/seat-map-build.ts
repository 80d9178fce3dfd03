/**
 * Seat maps for the organizer page, without JSON: read from a CSV
 * (`section,row,seat,category,x,y`) or generated (sections × rows × seats,
 * categories by distance to the stage). Every seat gets its position (x, y)
 * and its rank, its distance to the stage: what best available sorts by
 * (lower is better). Pure functions: gateway/test/seat-map-build.test.ts.
 */

export interface SeatSpec { label: string; category: string; rank: number; x: number; y: number }
export interface RowSpec { id: string; seats: SeatSpec[] }
export interface SectionSpec { id: string; name: string; rows: RowSpec[] }
export interface Point { x: number; y: number }

/** The engine's own limit on a venue. */
export const MAX_SEATS = 1_000_000;
/** Lines of a CSV upload reported at most; the rest are counted. */
const MAX_REPORTED = 20;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

export interface CsvResult {
  sections: SectionSpec[];
  /** `Line n: …` for each line that could not be read (the first 20), then how many more. */
  issues: string[];
}

/** Distance to the stage, to two decimals: the seat's rank. */
export function rankOf(seat: Point, stage: Point): number {
  return Math.round(Math.hypot(seat.x - stage.x, seat.y - stage.y) * 100) / 100;
}

/** Above the middle of the seats, one row's spacing before the first: where a stage usually is. */
export function defaultStage(sections: readonly SectionSpec[]): Point {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  for (const seat of seatsOf(sections)) {
    minX = Math.min(minX, seat.x);
    maxX = Math.max(maxX, seat.x);
    minY = Math.min(minY, seat.y);
  }
  return Number.isFinite(minX) ? { x: (minX + maxX) / 2, y: minY - 2 } : { x: 0, y: 0 };
}

export function* seatsOf(sections: readonly SectionSpec[]): Generator<SeatSpec> {
  for (const section of sections) for (const row of section.rows) yield* row.seats;
}

export function seatCount(sections: readonly SectionSpec[]): number {
  let n = 0;
  for (const section of sections) for (const row of section.rows) n += row.seats.length;
  return n;
}

/** Every seat's rank again, from `stage` (the stage moved, or was set after the upload). */
export function rerank(sections: readonly SectionSpec[], stage: Point): void {
  for (const seat of seatsOf(sections)) seat.rank = rankOf(seat, stage);
}

/** Splits a CSV line on commas outside double quotes; "" is a quote. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

/**
 * A seat map from CSV lines `section,row,seat,category,x,y` (a header line
 * naming them is skipped); seats keep the file's order within a row, rows
 * and sections the order they first appear. Ranks are distances to `stage`
 * (by default: above the middle of the seats). A line that cannot be read is
 * reported and the map is empty, so a half-read venue is never created.
 */
export function parseSeatCsv(text: string, stage?: Point): CsvResult {
  const sections: SectionSpec[] = [];
  const sectionById = new Map<string, SectionSpec>();
  const rowByKey = new Map<string, RowSpec>();
  const seen = new Set<string>();
  const issues: string[] = [];
  let unreported = 0;
  let count = 0;
  const fail = (line: number, reason: string) => {
    if (issues.length < MAX_REPORTED) issues.push(`Line ${line}: ${reason}`);
    else unreported++;
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const cells = splitCsvLine(raw);
    if (i === 0 && cells[0]?.toLowerCase() === 'section') return;
    if (cells.length !== 6) return fail(line, `needs 6 fields (section,row,seat,category,x,y), has ${cells.length}`);
    const [sectionId, rowId, label, category, xText, yText] = cells as [string, string, string, string, string, string];
    for (const [name, value] of [['section', sectionId], ['row', rowId], ['seat', label], ['category', category]] as const) {
      if (!ID.test(value)) return fail(line, `${name} "${value}" must be 1 to 64 letters, digits, "_", "." or "-"`);
    }
    const x = Number(xText);
    const y = Number(yText);
    if (xText === '' || yText === '' || !Number.isFinite(x) || !Number.isFinite(y)) return fail(line, 'x and y must be numbers');
    const id = `${sectionId}-${rowId}-${label}`;
    if (seen.has(id)) return fail(line, `seat ${id} is listed twice`);
    if (++count > MAX_SEATS) return fail(line, `a venue has at most ${MAX_SEATS} seats`);
    seen.add(id);
    let section = sectionById.get(sectionId);
    if (section === undefined) {
      section = { id: sectionId, name: sectionId, rows: [] };
      sectionById.set(sectionId, section);
      sections.push(section);
    }
    const rowKey = `${sectionId}\u0000${rowId}`;
    let row = rowByKey.get(rowKey);
    if (row === undefined) {
      row = { id: rowId, seats: [] };
      rowByKey.set(rowKey, row);
      section.rows.push(row);
    }
    row.seats.push({ label, category, rank: 0, x, y });
  });
  if (unreported > 0) issues.push(`… and ${unreported} more lines`);
  if (issues.length > 0) return { sections: [], issues };
  if (sections.length === 0) return { sections: [], issues: ['The file has no seats.'] };
  rerank(sections, stage ?? defaultStage(sections));
  return { sections, issues };
}

export interface GeneratedVenue {
  sections: number;
  rowsPerSection: number;
  seatsPerRow: number;
  /** Category names, nearest the stage first; each gets an equal share of the seats (the nearest share the first). */
  categories: string[];
}

/** Spreadsheet-style names: A … Z, AA, AB … */
function letters(n: number): string {
  let name = '';
  for (let k = n + 1; k > 0; k = Math.floor((k - 1) / 26)) name = String.fromCharCode(65 + ((k - 1) % 26)) + name;
  return name;
}

/**
 * A venue of `sections` blocks side by side, each `rowsPerSection` rows of
 * `seatsPerRow` seats, facing a stage above their middle. Rows are lettered
 * from the stage (A nearest), seats numbered 1… along each row; every seat's
 * rank is its distance to the stage, and the categories cut the seats by
 * that distance into equal shares, nearest first.
 */
export function generateSeatMap(venue: GeneratedVenue): SectionSpec[] {
  const { rowsPerSection, seatsPerRow } = venue;
  const gap = 2;
  const sections: SectionSpec[] = [];
  for (let s = 0; s < venue.sections; s++) {
    const left = s * (seatsPerRow + gap);
    const rows: RowSpec[] = [];
    for (let r = 0; r < rowsPerSection; r++) {
      const seats: SeatSpec[] = [];
      for (let k = 0; k < seatsPerRow; k++) seats.push({ label: String(k + 1), category: '', rank: 0, x: left + k, y: r });
      rows.push({ id: letters(r), seats });
    }
    sections.push({ id: `S${s + 1}`, name: `Section ${s + 1}`, rows });
  }
  const width = venue.sections * seatsPerRow + (venue.sections - 1) * gap;
  rerank(sections, { x: (width - 1) / 2, y: -2 });
  assignCategoriesByDistance(sections, venue.categories);
  return sections;
}

/** Categories by rank: the nearest 1/n of the seats get the first category, and so on (ties keep venue order). */
export function assignCategoriesByDistance(sections: readonly SectionSpec[], categories: readonly string[]): void {
  const seats = [...seatsOf(sections)];
  if (categories.length === 0) return;
  const order = seats.map((seat, i) => [seat.rank, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  order.forEach(([, i], position) => {
    seats[i]!.category = categories[Math.min(categories.length - 1, Math.floor((position * categories.length) / seats.length))]!;
  });
}

/** The categories of a seat map with their seat counts, the one with the seat nearest the stage first. */
export function categoryCounts(sections: readonly SectionSpec[]): Array<{ category: string; seats: number }> {
  const counts = new Map<string, { seats: number; best: number }>();
  for (const seat of seatsOf(sections)) {
    const count = counts.get(seat.category);
    if (count === undefined) counts.set(seat.category, { seats: 1, best: seat.rank });
    else {
      count.seats++;
      count.best = Math.min(count.best, seat.rank);
    }
  }
  return [...counts].sort((a, b) => a[1].best - b[1].best).map(([category, { seats }]) => ({ category, seats }));
}
