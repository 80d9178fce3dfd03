/**
 * Seats as the event's configuration names them: the public event info lists
 * sections (with names), rows and seats (with labels and categories), and the
 * page writes "Stalls left, row 1, seats 3, 4" from it, never a raw seat id.
 * Pure functions, unit-tested in gateway/test/page-format.test.ts.
 */

export interface SeatPlace { section: string; row: string; label: string; category: string }
export interface VenueSections {
  sections: Array<{ id: string; name: string; rows: Array<{ id: string; seats: Array<{ id: string; label: string; category: string }> }> }>;
}

/** Each seat id of the venue → where it is. */
export function seatIndex(venue: VenueSections): Map<string, SeatPlace> {
  const index = new Map<string, SeatPlace>();
  for (const section of venue.sections) {
    for (const row of section.rows) {
      for (const seat of row.seats) index.set(seat.id, { section: section.name, row: row.id, label: seat.label, category: seat.category });
    }
  }
  return index;
}

/**
 * Seats grouped by section and row, in the order given: "Stalls left, row 1,
 * seats 3, 4; Stalls right, row 2, seat 1". A seat the venue does not list
 * (the map not loaded yet) is written as its id rather than dropped.
 */
export function seatNames(seatIds: readonly string[], index: ReadonlyMap<string, SeatPlace>): string {
  const groups = new Map<string, string[]>();
  for (const id of seatIds) {
    const place = index.get(id);
    const key = place === undefined ? '' : `${place.section}, row ${place.row}`;
    groups.set(key, [...(groups.get(key) ?? []), place?.label ?? id]);
  }
  return [...groups].map(([where, labels]) => {
    const seats = `${labels.length === 1 ? 'seat' : 'seats'} ${labels.join(', ')}`;
    return where === '' ? seats : `${where}, ${seats}`;
  }).join('; ');
}

/** Seat colours by category, in the order the event lists its categories (the legend uses the same). */
const CATEGORY_COLOURS = ['#dbe9f8', '#e6f3e9', '#fbeed5', '#f3e1f1', '#e2f3f4', '#f6e3de'];

export function categoryColour(categories: readonly string[], category: string): string {
  const at = categories.indexOf(category);
  return CATEGORY_COLOURS[(at < 0 ? categories.length : at) % CATEGORY_COLOURS.length]!;
}
