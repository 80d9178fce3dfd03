/**
 * The selected event's times, tickets and prices, edited live while the
 * phase allows it. What may not change is the engine's word
 * (`EventDetails.locks`, from the same rules a change is refused by): a
 * locked field is disabled with its reason beside it, so the organizer
 * knows why before trying. Tiers may grow (never below what is held or
 * sold) and new tiers may be added; category prices may change at any time.
 */
import { $ } from './dom.js';
import { cellInput } from './event-editor.js';
import { money } from './format.js';

interface Lock { field: string; reason: string }
interface Tier { id: string; name: string; price: number; quantity: number }
export interface ScheduleEvent {
  config: {
    id: string; preQueueOpensAt: number; onSaleAt: number; closesAt: number;
    inventory: { tiers: Tier[]; sections: Array<{ rows: Array<{ seats: Array<{ category: string; rank: number }> }> }> };
  };
  status: { phase: string; tickets: { free: number; held: number; sold: number } };
  settings: { currency: string; categoryPrices: Record<string, number> };
  locks: Lock[];
}

export interface ScheduleDeps {
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  showErrors(err: unknown, form: HTMLElement, list: HTMLElement): void;
  clearErrors(form: HTMLElement, list: HTMLElement): void;
  timeOf(form: HTMLFormElement, name: string): number | string | undefined;
  localInput(at: number): string;
  refresh(): Promise<void>;
}

const TIMES = ['preQueueOpensAt', 'onSaleAt', 'closesAt'] as const;

export function setupSchedule(deps: ScheduleDeps) {
  const form = $<HTMLFormElement>('#schedule-form');
  const errors = $('#schedule-errors');
  const tiersBody = $('#schedule-tiers');
  const pricesBody = $('#schedule-prices');
  let shown: ScheduleEvent | null = null;
  let dirty = false;

  const input = (name: string) => form.elements.namedItem(name) as HTMLInputElement | null;

  /**
   * Disables each field the engine says may not change now, with the reason
   * under it. A tier's quantity lock is a minimum (it may still grow): said,
   * not disabled. A closed event is locked whole.
   */
  function applyLocks(locks: readonly Lock[]): void {
    for (const note of form.querySelectorAll('.lock-note')) note.remove();
    const whole = locks.find((lock) => lock.field === '(root)');
    for (const element of form.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button')) {
      const path = element.dataset.field;
      const lock = whole ?? (path === undefined ? undefined : locks.find((l) => l.field === path));
      const minimum = lock !== undefined && lock !== whole && lock.field.endsWith('.quantity');
      element.disabled = lock !== undefined && !minimum;
      if (lock === undefined || element.tagName === 'BUTTON') continue;
      const note = document.createElement('div');
      note.className = 'lock-note small';
      note.textContent = minimum ? `${lock.reason[0]!.toUpperCase()}${lock.reason.slice(1)}.` : `Locked: ${lock.reason}.`;
      element.closest('label')?.append(note);
    }
  }

  function tierRow(tier: Tier | null, i: number, currency: string): HTMLTableRowElement {
    const row = document.createElement('tr');
    row.dataset.tier = tier?.id ?? '';
    const base = `inventory.tiers[${i}]`;
    if (tier === null) {
      row.append(cellInput(`New tier id`, `tiers.${i}.id`, `${base}.id`, { spellcheck: 'false', placeholder: 'balcony', size: '10' }));
    } else {
      const id = document.createElement('th');
      id.scope = 'row';
      id.className = 'mono';
      id.textContent = tier.id;
      row.append(id);
    }
    row.append(
      cellInput(`Tier ${tier?.id ?? 'new'} name`, `tiers.${i}.name`, `${base}.name`, { value: tier?.name ?? '', size: '14' }),
      cellInput(`Tier ${tier?.id ?? 'new'} price`, `tiers.${i}.price`, `${base}.price`, { type: 'number', min: '0', value: tier === null ? '' : String(tier.price), size: '8' }),
      cellInput(`Tier ${tier?.id ?? 'new'} quantity`, `tiers.${i}.quantity`, `${base}.quantity`, { type: 'number', min: '0', value: tier === null ? '' : String(tier.quantity), size: '8' }),
    );
    const shownPrice = document.createElement('td');
    shownPrice.className = 'muted small figure';
    shownPrice.textContent = tier === null ? '' : money(tier.price, currency);
    row.append(shownPrice);
    return row;
  }

  function fill(event: ScheduleEvent): void {
    const { config, settings } = event;
    for (const name of TIMES) input(name)!.value = deps.localInput(config[name]);
    tiersBody.replaceChildren(...config.inventory.tiers.map((tier, i) => tierRow(tier, i, settings.currency)));
    // The category with the seat nearest the stage first, as the create form lists them.
    const best = new Map<string, number>();
    for (const seat of config.inventory.sections.flatMap((s) => s.rows.flatMap((r) => r.seats))) best.set(seat.category, Math.min(best.get(seat.category) ?? Infinity, seat.rank));
    const categories = [...best].sort((a, b) => a[1] - b[1]).map(([category]) => category);
    $('#schedule-prices-box').hidden = categories.length === 0;
    pricesBody.replaceChildren(...categories.map((category) => {
      const row = document.createElement('tr');
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = `Category ${category}`;
      row.append(name, cellInput(`Price of category ${category}`, `price.${category}`, `settings.categoryPrices.${category}`, {
        type: 'number', min: '0', value: String(settings.categoryPrices[category] ?? 0), size: '8',
      }));
      return row;
    }));
  }

  function show(event: ScheduleEvent): void {
    const changed = event.config.id !== shown?.config.id;
    shown = event;
    if (changed) {
      dirty = false;
      deps.clearErrors(form, errors);
      $('#schedule-result').textContent = '';
    }
    if (!dirty) fill(event);
    applyLocks(event.locks);
  }

  /** The patch: the times that changed, every tier (new ones added), and the prices. */
  function request(event: ScheduleEvent): { config: Record<string, unknown>; settings: Record<string, unknown> } {
    const config: Record<string, unknown> = {};
    for (const name of TIMES) {
      const at = deps.timeOf(form, name);
      if (at !== undefined && at !== event.config[name]) config[name] = at;
    }
    const number = (name: string) => {
      const text = input(name)?.value.trim() ?? '';
      return text === '' ? undefined : Number.isFinite(Number(text)) ? Number(text) : text;
    };
    const tiers = [...tiersBody.children].map((row, i) => ({
      id: (row as HTMLElement).dataset.tier || (input(`tiers.${i}.id`)?.value.trim() ?? ''),
      name: input(`tiers.${i}.name`)?.value.trim() ?? '',
      price: number(`tiers.${i}.price`),
      quantity: number(`tiers.${i}.quantity`),
    }));
    if (JSON.stringify(tiers) !== JSON.stringify(event.config.inventory.tiers)) config.inventory = { ...event.config.inventory, tiers };
    const prices: Record<string, unknown> = {};
    for (const priceInput of pricesBody.querySelectorAll<HTMLInputElement>('input')) {
      const category = priceInput.name.slice('price.'.length);
      const value = number(priceInput.name);
      if (value !== event.settings.categoryPrices[category] && value !== undefined) prices[category] = value;
    }
    return { config, settings: Object.keys(prices).length === 0 ? {} : { categoryPrices: prices } };
  }

  form.addEventListener('input', () => (dirty = true));
  $('#schedule-add-tier').addEventListener('click', () => {
    dirty = true;
    tiersBody.append(tierRow(null, tiersBody.children.length, shown?.settings.currency ?? 'EUR'));
  });
  $('#schedule-reset').addEventListener('click', () => {
    dirty = false;
    if (shown !== null) show(shown);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const event = shown;
    if (event === null) return;
    const body = request(event);
    if (Object.keys(body.config).length === 0 && Object.keys(body.settings).length === 0) {
      $('#schedule-result').textContent = 'Nothing changed.';
      return;
    }
    void (async () => {
      try {
        await deps.api('PATCH', `/api/events/${encodeURIComponent(event.config.id)}`, body);
        deps.clearErrors(form, errors);
        dirty = false;
        $('#schedule-result').textContent = `Saved at ${new Date().toLocaleTimeString()}.`;
        await deps.refresh();
      } catch (err) {
        $('#schedule-result').textContent = 'Not saved.';
        deps.showErrors(err, form, errors);
      }
    })();
  });

  return { show };
}
