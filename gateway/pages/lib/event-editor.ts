/**
 * The organizer page's inventory without JSON, in the create form: general
 * admission tiers as a table, a seat map generated (sections × rows × seats,
 * categories by distance to the stage) or read from a CSV upload
 * (`section,row,seat,category,x,y`), its preview, and a price per category.
 * organizer.ts reads `inventory()` and `categoryPrices()` into the create
 * request; the server's issues land beside these fields by their
 * `data-field` paths.
 */
import { $ } from './dom.js';
import { money } from './format.js';
import {
  assignCategoriesByDistance, categoryCounts, defaultStage, generateSeatMap, parseSeatCsv, rerank, seatCount, type Point, type SectionSpec,
} from './seat-map-build.js';
import { renderSeatPreview } from './seat-preview.js';

/** The generator's defaults: a small hall. */
const DEFAULT_VENUE = { sections: 3, rowsPerSection: 8, seatsPerRow: 12, categories: 'A, B, C' };

/** One input in a table cell, inside a label (screen readers read the label; showErrors puts notes under it). */
export function cellInput(label: string, name: string, field: string, attributes: Record<string, string>): HTMLTableCellElement {
  const cell = document.createElement('td');
  const wrapper = document.createElement('label');
  const text = document.createElement('span');
  text.className = 'visually-hidden';
  text.textContent = label;
  const input = document.createElement('input');
  input.name = name;
  input.dataset.field = field;
  for (const [key, value] of Object.entries(attributes)) input.setAttribute(key, value);
  wrapper.append(text, input);
  cell.append(wrapper);
  return cell;
}

/** The name of tier row `i`'s input: row 0 keeps the form's original names (tier.id …). */
const tierName = (i: number, key: string) => (i === 0 ? `tier.${key}` : `tier${i}.${key}`);

export interface EventEditor {
  inventory(): { tiers: Array<Record<string, unknown>>; sections: SectionSpec[] };
  categoryPrices(): Record<string, number | string>;
  reset(): void;
}

export function setupEventEditor(form: HTMLFormElement, currency: () => string): EventEditor {
  const tiersBody = $('#tiers-body', form);
  const preview = $('#seatmap-preview', form);
  const issues = $('#seatmap-errors', form);
  const pricesBody = $('#category-prices', form);
  let sections: SectionSpec[] = [];
  let stage: Point | null = null;

  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const text = (name: string) => field(name).value.trim();

  // ── Tiers ─────────────────────────────────────────────────────────────
  function addTierRow(values: { id: string; name: string; price: string; quantity: string } = { id: '', name: '', price: '', quantity: '' }): void {
    const i = tiersBody.children.length;
    const row = document.createElement('tr');
    row.dataset.tier = String(i);
    const n = i + 1;
    row.append(
      cellInput(`Tier ${n} id`, tierName(i, 'id'), `inventory.tiers[${i}].id`, { value: values.id, spellcheck: 'false', placeholder: 'floor', size: '10' }),
      cellInput(`Tier ${n} name`, tierName(i, 'name'), `inventory.tiers[${i}].name`, { value: values.name, placeholder: 'Floor', size: '14' }),
      cellInput(`Tier ${n} price`, tierName(i, 'price'), `inventory.tiers[${i}].price`, { value: values.price, type: 'number', min: '0', inputmode: 'numeric', size: '8' }),
      cellInput(`Tier ${n} quantity`, tierName(i, 'quantity'), `inventory.tiers[${i}].quantity`, { value: values.quantity, type: 'number', min: '0', inputmode: 'numeric', size: '8' }),
    );
    const priceShown = document.createElement('td');
    priceShown.className = 'muted small figure';
    priceShown.dataset.priceOf = String(i);
    const remove = document.createElement('td');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Remove';
    button.setAttribute('aria-label', `Remove tier ${n}`);
    button.onclick = () => removeTierRow(row);
    remove.append(button);
    row.append(priceShown, remove);
    tiersBody.append(row);
    showTierPrices();
  }

  /** Rows after the removed one move up: their names and field paths follow their new index. */
  function removeTierRow(row: HTMLTableRowElement): void {
    const values = [...tiersBody.children].filter((r) => r !== row).map((r) => ({
      id: (r.querySelector('[name$=".id"]') as HTMLInputElement).value,
      name: (r.querySelector('[name$=".name"]') as HTMLInputElement).value,
      price: (r.querySelector('[name$=".price"]') as HTMLInputElement).value,
      quantity: (r.querySelector('[name$=".quantity"]') as HTMLInputElement).value,
    }));
    tiersBody.replaceChildren();
    for (const v of values) addTierRow(v);
  }

  /** Each tier's price as fans will read it, beside the minor units typed. */
  function showTierPrices(): void {
    for (const cell of tiersBody.querySelectorAll<HTMLElement>('[data-price-of]')) {
      const price = Number(field(tierName(Number(cell.dataset.priceOf), 'price'))?.value);
      cell.textContent = Number.isFinite(price) && price >= 0 ? money(price, currency()) : '';
    }
  }

  // ── The seat map ──────────────────────────────────────────────────────
  const source = () => (form.querySelector<HTMLInputElement>('[name="seatmap.source"]:checked')?.value ?? 'none');

  function stageInput(): Point | undefined {
    const x = text('stage.x');
    const y = text('stage.y');
    return x === '' || y === '' || !Number.isFinite(Number(x)) || !Number.isFinite(Number(y)) ? undefined : { x: Number(x), y: Number(y) };
  }

  function rebuild(): void {
    issues.replaceChildren();
    const kind = source();
    $('#seatmap-generate', form).hidden = kind !== 'generate';
    $('#seatmap-csv', form).hidden = kind !== 'csv';
    if (kind === 'none') {
      sections = [];
      stage = null;
    } else if (kind === 'generate') {
      const count = (name: string, max: number) => Math.min(max, Math.max(1, Math.floor(Number(text(name)) || 1)));
      const categories = text('gen.categories').split(',').map((c) => c.trim()).filter((c) => c !== '');
      const venue = { sections: count('gen.sections', 50), rowsPerSection: count('gen.rows', 200), seatsPerRow: count('gen.seats', 200), categories: categories.length === 0 ? ['A'] : categories };
      if (venue.sections * venue.rowsPerSection * venue.seatsPerRow > 1_000_000) {
        report(['A venue has at most 1,000,000 seats.']);
        sections = [];
      } else {
        sections = generateSeatMap(venue);
        const chosen = stageInput();
        if (chosen !== undefined) {
          rerank(sections, chosen);
          assignCategoriesByDistance(sections, venue.categories);
        }
        stage = chosen ?? defaultStage(sections);
      }
    } else {
      const parsed = parseSeatCsv($<HTMLTextAreaElement>('#seatmap-csv-text', form).value, stageInput());
      sections = parsed.sections;
      stage = sections.length === 0 ? null : (stageInput() ?? defaultStage(sections));
      report(parsed.issues);
    }
    renderSeatPreview(preview, sections, stage);
    $('#seatmap-count', form).textContent = sections.length === 0 ? '' : `${seatCount(sections).toLocaleString()} seats`;
    renderPrices();
  }

  function report(lines: readonly string[]): void {
    issues.replaceChildren(...lines.map((line) => Object.assign(document.createElement('li'), { textContent: line })));
  }

  /** One price per category of the map, kept across rebuilds for the categories that stay. */
  function renderPrices(): void {
    const kept = categoryPrices();
    const counts = categoryCounts(sections);
    $('#category-prices-box', form).hidden = counts.length === 0;
    pricesBody.replaceChildren(...counts.map(({ category, seats }) => {
      const row = document.createElement('tr');
      row.dataset.category = category;
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = `Category ${category}`;
      const count = document.createElement('td');
      count.className = 'figure';
      count.textContent = seats.toLocaleString();
      row.append(name, count, cellInput(`Price of category ${category}`, `price.${category}`, `settings.categoryPrices.${category}`, {
        type: 'number', min: '0', inputmode: 'numeric', value: String(kept[category] ?? ''), size: '8',
      }));
      return row;
    }));
  }

  function categoryPrices(): Record<string, number | string> {
    const prices: Record<string, number | string> = {};
    for (const input of pricesBody.querySelectorAll<HTMLInputElement>('input[name^="price."]')) {
      const value = input.value.trim();
      if (value === '') continue;
      // Not a number: sent as typed, so the server names the field.
      prices[input.name.slice('price.'.length)] = Number.isFinite(Number(value)) ? Number(value) : value;
    }
    return prices;
  }

  function tiers(): Array<Record<string, unknown>> {
    return [...tiersBody.children].map((_, i) => {
      const number = (key: string) => {
        const value = text(tierName(i, key));
        return value === '' ? undefined : Number.isFinite(Number(value)) ? Number(value) : value;
      };
      return { id: text(tierName(i, 'id')), name: text(tierName(i, 'name')), price: number('price'), quantity: number('quantity') };
    });
  }

  async function readFile(): Promise<void> {
    const file = $<HTMLInputElement>('#seatmap-file', form).files?.[0];
    if (file === undefined) return;
    $<HTMLTextAreaElement>('#seatmap-csv-text', form).value = await file.text();
    rebuild();
  }

  function reset(): void {
    tiersBody.replaceChildren();
    addTierRow({ id: 'floor', name: 'Floor', price: '5000', quantity: '500' });
    field('gen.sections').value = String(DEFAULT_VENUE.sections);
    field('gen.rows').value = String(DEFAULT_VENUE.rowsPerSection);
    field('gen.seats').value = String(DEFAULT_VENUE.seatsPerRow);
    field('gen.categories').value = DEFAULT_VENUE.categories;
    rebuild();
  }

  $('#add-tier', form).addEventListener('click', () => addTierRow());
  tiersBody.addEventListener('input', showTierPrices);
  for (const input of form.querySelectorAll('[name="seatmap.source"]')) input.addEventListener('change', rebuild);
  $('#seatmap-generate', form).addEventListener('input', rebuild);
  $('#seatmap-stage', form).addEventListener('input', rebuild);
  $('#seatmap-csv-text', form).addEventListener('input', rebuild);
  $('#seatmap-file', form).addEventListener('change', () => void readFile());
  reset();

  return {
    inventory: () => ({ tiers: tiers(), sections }),
    categoryPrices,
    reset,
  };
}
