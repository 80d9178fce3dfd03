/**
 * The organizer page's presales: sale phases in the create form (the event's
 * times are the first phase's; later phases are rows), the selected event's
 * phases, and its access codes — generate, upload a CSV, list, export.
 * organizer.ts hands in its API call and its error display.
 */
import { $ } from './dom.js';

export interface SalePhase {
  id: string; name: string; preQueueOpensAt: number; onSaleAt: number;
  access: { kind: 'open' } | { kind: 'groups'; groups: string[] } | { kind: 'code' };
}
interface CodeView { code: string; phaseId: string | null; uses: number; ticketCap: number; accounts: string[]; ticketsUsed: number }
interface CodePage { total: number; offset: number; codes: CodeView[] }

export interface PresaleDeps {
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Shows an API error under the fields of `form` it names, or in `list`. */
  showErrors(err: unknown, form: HTMLElement, list: HTMLElement): void;
  clearErrors(form: HTMLElement, list: HTMLElement): void;
  /** Reads a datetime-local field of the form: epoch ms, the text when it is not a date, undefined when empty. */
  timeOf(form: HTMLFormElement, name: string): number | string | undefined;
  localInput(at: number): string;
  apiKey(): string;
}

const PAGE = 50;
const EXPORT_PAGE = 10_000;
const ACCESS_NAMES: Record<string, string> = { open: 'open to all', groups: 'presale groups', code: 'access code' };

function text(tag: string, content: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = content;
  if (className !== undefined) element.className = className;
  return element;
}

function field(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? '';
}

function accessOf(kind: string, groups: string): SalePhase['access'] | Record<string, unknown> {
  if (kind !== 'groups') return { kind };
  return { kind, groups: groups.split(',').map((g) => g.trim()).filter((g) => g !== '') };
}

export function setupPresales(deps: PresaleDeps) {
  const later = $('#later-phases');
  let eventId: string | null = null;
  let phases: SalePhase[] = [];
  let offset = 0;

  // ── The create form's phases ────────────────────────────────────────────
  function addPhaseRow(): void {
    const i = later.children.length + 1;
    const row = document.createElement('div');
    row.className = 'grid phase-row';
    row.dataset.phase = String(i);
    const start = Date.now() + (i + 1) * 3600_000;
    const input = (label: string, name: string, path: string, attrs: Record<string, string> = {}) => {
      const wrapper = text('label', `${label} `);
      const element = document.createElement('input');
      element.name = `phase${i}.${name}`;
      element.dataset.field = `phases[${i}].${path}`;
      for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, value);
      wrapper.append(element);
      return wrapper;
    };
    const access = text('label', `Phase ${i + 1} access `);
    const select = document.createElement('select');
    select.name = `phase${i}.access`;
    select.dataset.field = `phases[${i}].access.kind`;
    for (const [value, label] of [['open', 'open'], ['groups', 'groups'], ['code', 'access code']]) {
      const option = text('option', label!) as HTMLOptionElement;
      option.value = value!;
      select.append(option);
    }
    access.append(select);
    row.append(
      input(`Phase ${i + 1} id`, 'id', 'id', { value: i === 1 ? 'public' : `phase-${i + 1}`, spellcheck: 'false' }),
      input(`Phase ${i + 1} name`, 'name', 'name', { value: i === 1 ? 'Public sale' : `Phase ${i + 1}` }),
      input('Its waiting room opens', 'preQueueOpensAt', 'preQueueOpensAt', { type: 'datetime-local', step: '1', value: deps.localInput(start) }),
      input('Its sale starts', 'onSaleAt', 'onSaleAt', { type: 'datetime-local', step: '1', value: deps.localInput(start + 600_000) }),
      access,
      input('Groups (comma-separated)', 'groups', 'access.groups', { placeholder: 'fanclub, vip' }),
    );
    later.append(row);
  }

  /** The `phases` of the create request; undefined (one open phase) when the form asks for nothing more. */
  function phasesOf(form: HTMLFormElement): unknown[] | undefined {
    const firstKind = field(form, 'phase0.access');
    if (later.children.length === 0 && firstKind === 'open') return undefined;
    const list: unknown[] = [{
      id: field(form, 'phase0.id'), name: field(form, 'phase0.name'),
      preQueueOpensAt: deps.timeOf(form, 'preQueueOpensAt'), onSaleAt: deps.timeOf(form, 'onSaleAt'),
      access: accessOf(firstKind, field(form, 'phase0.groups')),
    }];
    for (let i = 1; i <= later.children.length; i++) {
      list.push({
        id: field(form, `phase${i}.id`), name: field(form, `phase${i}.name`),
        preQueueOpensAt: deps.timeOf(form, `phase${i}.preQueueOpensAt`), onSaleAt: deps.timeOf(form, `phase${i}.onSaleAt`),
        access: accessOf(field(form, `phase${i}.access`), field(form, `phase${i}.groups`)),
      });
    }
    return list;
  }

  $('#add-phase').addEventListener('click', addPhaseRow);
  $('#remove-phase').addEventListener('click', () => later.lastElementChild?.remove());

  // ── The selected event ──────────────────────────────────────────────────
  function renderPhases(now: number): void {
    const current = [...phases].reverse().find((p) => p.preQueueOpensAt <= now)?.id;
    $('#phases-body').replaceChildren(...phases.map((phase) => {
      const row = document.createElement('tr');
      row.dataset.phase = phase.id;
      const access = phase.access.kind === 'groups' ? `${ACCESS_NAMES.groups}: ${phase.access.groups.join(', ')}` : ACCESS_NAMES[phase.access.kind]!;
      row.append(
        text('td', `${phase.name}${phase.id === current ? ' (now)' : ''}`), text('td', phase.id, 'mono'),
        text('td', new Date(phase.preQueueOpensAt).toLocaleString()), text('td', new Date(phase.onSaleAt).toLocaleString()), text('td', access),
      );
      return row;
    }));
    const select = $<HTMLSelectElement>('#codes-generate [name="phaseId"]');
    const chosen = select.value;
    const options = [['', 'every coded phase'], ...phases.filter((p) => p.access.kind === 'code').map((p) => [p.id, p.name])];
    // Rebuilt only when it changes: the list refreshes every 2 s, an organizer may be choosing.
    const key = JSON.stringify(options);
    if (select.dataset.options === key) return;
    select.dataset.options = key;
    select.replaceChildren(...options.map(([value, label]) => {
      const option = text('option', label!) as HTMLOptionElement;
      option.value = value!;
      return option;
    }));
    if (options.some(([value]) => value === chosen)) select.value = chosen;
  }

  async function loadCodes(): Promise<void> {
    if (eventId === null) return;
    const page = await deps.api<CodePage>('GET', `/api/events/${encodeURIComponent(eventId)}/codes?offset=${offset}&limit=${PAGE}`);
    $('#codes-count').textContent = `${page.total.toLocaleString()} codes`;
    $('#codes-range').textContent = page.total === 0 ? '' : `${offset + 1}–${offset + page.codes.length} of ${page.total}`;
    $<HTMLButtonElement>('#codes-prev').disabled = offset === 0;
    $<HTMLButtonElement>('#codes-next').disabled = offset + PAGE >= page.total;
    const body = $('#codes-body');
    if (page.codes.length === 0) {
      body.replaceChildren(text('tr', ''));
      body.firstElementChild!.append(Object.assign(text('td', 'No codes yet.', 'muted'), { colSpan: 6 }));
      return;
    }
    body.replaceChildren(...page.codes.map((c) => {
      const row = document.createElement('tr');
      row.dataset.code = c.code;
      row.append(
        text('td', c.code, 'mono'), text('td', c.phaseId ?? 'any coded phase'), text('td', `${c.accounts.length} / ${c.uses}`, 'figure'),
        text('td', `${c.ticketsUsed} / ${c.ticketCap}`, 'figure'), text('td', c.accounts.join(', '), 'small mono'),
      );
      return row;
    }));
  }

  function show(selected: { config: { id: string; phases?: SalePhase[] } }, now = Date.now()): void {
    const changed = selected.config.id !== eventId;
    eventId = selected.config.id;
    phases = selected.config.phases ?? [];
    renderPhases(now);
    if (changed) {
      offset = 0;
      $('#codes-generated').hidden = true;
      deps.clearErrors($('#codes-upload'), $('#codes-upload-errors'));
      deps.clearErrors($('#codes-generate'), $('#codes-generate-errors'));
      void loadCodes().catch(() => undefined);
    }
  }

  const generateForm = $<HTMLFormElement>('#codes-generate');
  generateForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (eventId === null) return;
    const number = (name: string) => Number(field(generateForm, name));
    const body: Record<string, unknown> = { count: number('count'), uses: number('uses'), ticketCap: number('ticketCap') };
    if (field(generateForm, 'phaseId') !== '') body.phaseId = field(generateForm, 'phaseId');
    void (async () => {
      try {
        const { codes } = await deps.api<{ added: number; codes: string[] }>('POST', `/api/events/${encodeURIComponent(eventId!)}/codes/generate`, body);
        deps.clearErrors(generateForm, $('#codes-generate-errors'));
        $('#codes-generated').hidden = false;
        $('#codes-generated-note').textContent = `${codes.length} new codes — copy them now, or export them later:`;
        $<HTMLTextAreaElement>('#codes-generated-list').value = codes.join('\n');
        await loadCodes();
      } catch (err) {
        deps.showErrors(err, generateForm, $('#codes-generate-errors'));
      }
    })();
  });

  const uploadForm = $<HTMLFormElement>('#codes-upload');
  uploadForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (eventId === null) return;
    const file = $<HTMLInputElement>('#codes-file').files?.[0];
    void (async () => {
      const csv = file === undefined ? $<HTMLTextAreaElement>('#codes-csv').value : await file.text();
      const response = await fetch(`/api/events/${encodeURIComponent(eventId!)}/codes`, {
        method: 'POST', headers: { authorization: `Bearer ${deps.apiKey()}`, 'content-type': 'text/csv' }, body: csv,
      });
      const data = (await response.json()) as { added?: number; code?: string; message?: string; details?: { lines?: Array<{ line: number; reason: string }> } };
      const list = $('#codes-upload-errors');
      deps.clearErrors(uploadForm, list);
      if (response.ok) {
        $('#codes-upload-result').textContent = `Added ${data.added} codes.`;
        uploadForm.reset();
        await loadCodes();
        return;
      }
      $('#codes-upload-result').textContent = 'Nothing was added.';
      const lines = data.details?.lines ?? [];
      if (lines.length === 0) list.append(text('li', `${data.message} (${data.code})`));
      for (const { line, reason } of lines) list.append(text('li', `Line ${line}: ${reason}`));
    })();
  });

  $('#codes-prev').addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE);
    void loadCodes();
  });
  $('#codes-next').addEventListener('click', () => {
    offset += PAGE;
    void loadCodes();
  });
  $('#codes-refresh').addEventListener('click', () => void loadCodes());
  $('#codes-export').addEventListener('click', () => {
    if (eventId === null) return;
    const id = eventId;
    void (async () => {
      // The export comes in pages of 10,000 codes: one file, one header line.
      const parts: string[] = [];
      for (let from = 0, total = 1; from < total; from += EXPORT_PAGE) {
        const response = await fetch(`/api/events/${encodeURIComponent(id)}/codes/export?offset=${from}&limit=${EXPORT_PAGE}`, { headers: { authorization: `Bearer ${deps.apiKey()}` } });
        total = Number(response.headers.get('x-codes-total') ?? 0);
        const csv = await response.text();
        parts.push(from === 0 ? csv : csv.slice(csv.indexOf('\n') + 1));
      }
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob(parts, { type: 'text/csv' }));
      link.download = `${id}-codes.csv`;
      link.click();
      URL.revokeObjectURL(link.href);
    })();
  });

  return { phasesOf, show };
}
