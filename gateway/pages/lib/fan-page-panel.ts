/**
 * What the selected event shows its fans, from the organizer page: a message
 * to everyone in its queue (on every fan's page at once, and to anyone who
 * comes later until it is taken down), its accent and background colours
 * (with the contrast the server checks, shown as they are picked) and its
 * logo (uploaded; PNG, JPEG or WebP up to 100 KiB).
 */
import { $ } from './dom.js';

interface Branding { accent: string | null; background: string | null; logo: { contentType: string; sha256: string } | null }
export interface FanPageEvent {
  config: { id: string };
  status: { announcement?: { text: string; at: number } };
  settings: { branding?: Branding };
}

export interface FanPageDeps {
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  showErrors(err: unknown, form: HTMLElement, list: HTMLElement): void;
  clearErrors(form: HTMLElement, list: HTMLElement): void;
  describe(err: unknown): string;
  apiKey(): string;
  refresh(): Promise<void>;
}

/** The page's own colours (gateway/public/style.css), what a colour left unset means. */
const PAGE_ACCENT = '#0b5cad';
const PAGE_BACKGROUND = '#f5f6f8';
const CARD = '#ffffff';
const INK = '#17202a';
const MAX_LOGO_BYTES = 100 * 1024;

/** WCAG 2 contrast of two #rrggbb colours (the server's check, engine/host/branding.ts, is the one that counts). */
export function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

export function setupFanPagePanel(deps: FanPageDeps) {
  const messageForm = $<HTMLFormElement>('#announce-form');
  const brandingForm = $<HTMLFormElement>('#branding-form');
  const brandingErrors = $('#branding-errors');
  let eventId: string | null = null;
  let brandingDirty = false;
  const path = (suffix: string) => `/api/events/${encodeURIComponent(eventId!)}${suffix}`;
  const colour = (name: string) => brandingForm.elements.namedItem(name) as HTMLInputElement;

  function show(event: FanPageEvent): void {
    const changed = event.config.id !== eventId;
    eventId = event.config.id;
    const current = event.status.announcement;
    $('#announce-current').textContent = current === undefined ? 'No message is up.' : `Up since ${new Date(current.at).toLocaleTimeString()}: “${current.text}”`;
    $<HTMLButtonElement>('#announce-clear').disabled = current === undefined;
    if (changed) {
      $('#announce-result').textContent = '';
      $<HTMLTextAreaElement>('#announce-text').value = '';
      brandingDirty = false;
      deps.clearErrors(brandingForm, brandingErrors);
    }
    const branding = event.settings.branding ?? { accent: null, background: null, logo: null };
    if (!brandingDirty) {
      colour('accent').value = branding.accent ?? PAGE_ACCENT;
      colour('background').value = branding.background ?? PAGE_BACKGROUND;
      showContrast();
    }
    const logo = $<HTMLImageElement>('#logo-current');
    logo.hidden = branding.logo === null;
    if (branding.logo !== null) {
      const src = `/api/public/events/${encodeURIComponent(event.config.id)}/logo?v=${branding.logo.sha256.slice(0, 16)}`;
      if (logo.getAttribute('src') !== src) logo.src = src;
    }
    $<HTMLButtonElement>('#logo-remove').disabled = branding.logo === null;
  }

  function showContrast(): void {
    const accent = contrast(colour('accent').value, CARD);
    const background = contrast(colour('background').value, INK);
    const say = (ratio: number) => `${ratio.toFixed(1)}:1 ${ratio >= 4.5 ? '✓' : '— too low, at least 4.5:1'}`;
    $('#accent-contrast').textContent = `Links on the white cards: ${say(accent)}`;
    $('#background-contrast').textContent = `Text on the background: ${say(background)}`;
  }

  async function announce(text: string): Promise<void> {
    try {
      await deps.api('POST', path('/announcement'), { text });
      $('#announce-result').textContent = text === '' ? 'Taken down.' : `Sent at ${new Date().toLocaleTimeString()}.`;
      if (text !== '') $<HTMLTextAreaElement>('#announce-text').value = '';
      await deps.refresh();
    } catch (err) {
      $('#announce-result').textContent = deps.describe(err);
    }
  }

  async function patchBranding(branding: Record<string, unknown>, done: string): Promise<void> {
    try {
      await deps.api('PATCH', path(''), { settings: { branding } });
      deps.clearErrors(brandingForm, brandingErrors);
      brandingDirty = false;
      $('#branding-result').textContent = done;
      await deps.refresh();
    } catch (err) {
      $('#branding-result').textContent = 'Not saved.';
      deps.showErrors(err, brandingForm, brandingErrors);
    }
  }

  async function uploadLogo(): Promise<void> {
    const file = $<HTMLInputElement>('#logo-file').files?.[0];
    const result = $('#logo-result');
    if (file === undefined) {
      result.textContent = 'Choose an image first.';
      return;
    }
    if (file.size > MAX_LOGO_BYTES) {
      result.textContent = `The image is ${Math.ceil(file.size / 1024)} KiB: at most 100 KiB.`;
      return;
    }
    const response = await fetch(path('/logo'), {
      method: 'PUT', headers: { authorization: `Bearer ${deps.apiKey()}`, 'content-type': file.type || 'application/octet-stream' }, body: file,
    });
    if (response.ok) {
      result.textContent = 'Logo uploaded.';
      await deps.refresh();
      return;
    }
    const error = (await response.json().catch(() => ({}))) as { message?: string; details?: { issues?: Array<{ reason: string }> } };
    result.textContent = `Not uploaded: ${error.details?.issues?.[0]?.reason ?? error.message ?? response.statusText}.`;
  }

  messageForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $<HTMLTextAreaElement>('#announce-text').value.trim();
    if (text === '') {
      $('#announce-result').textContent = 'Write the message first.';
      return;
    }
    void announce(text);
  });
  $('#announce-clear').addEventListener('click', () => void announce(''));
  brandingForm.addEventListener('input', () => {
    brandingDirty = true;
    showContrast();
  });
  brandingForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void patchBranding({ accent: colour('accent').value, background: colour('background').value }, `Colours saved at ${new Date().toLocaleTimeString()}.`);
  });
  $('#branding-default').addEventListener('click', () => void patchBranding({ accent: null, background: null }, 'Back to the page\'s own colours.'));
  $('#logo-upload').addEventListener('click', () => void uploadLogo());
  $('#logo-remove').addEventListener('click', () => void patchBranding({ logo: null }, 'Logo removed.'));

  return { show };
}
