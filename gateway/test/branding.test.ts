/**
 * An event's look on the fan page: colours as #rrggbb that read well, and a
 * logo uploaded (never a URL), recognised by its bytes (no SVG), bounded,
 * and served from this origin with its own type, nosniff and a sandboxing
 * CSP; the organizer's answers carry it without its bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contrastRatio, inkOn, MAX_LOGO_BYTES, sniffLogoType } from '../../engine/host/branding.js';
import { API_KEY, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

/** The smallest valid PNG: one transparent pixel. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

function putLogo(eventId: string, body: Uint8Array, type = 'image/png'): Promise<Response> {
  return fetch(`${gw.httpUrl}/api/events/${eventId}/logo`, { method: 'PUT', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': type }, body });
}

describe('colours', () => {
  it('measures WCAG contrast and picks the ink of an accent', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(inkOn('#0b5cad')).toBe('#ffffff');
    expect(inkOn('#f2c94c')).toBe('#000000');
  });

  it('takes #rrggbb colours that read well, refuses the rest naming the field, and shows them to fans', async () => {
    const eventId = await gw.createEvent();
    const ok = await gw.api('PATCH', `/api/events/${eventId}`, { settings: { branding: { accent: '#6A1B9A', background: '#FFF8E1' } } });
    expect(ok.status).toBe(200);
    expect(ok.body.settings.branding).toEqual({ accent: '#6a1b9a', background: '#fff8e1', logo: null });
    expect((await gw.api('GET', `/api/public/events/${eventId}`)).body.branding).toEqual({ accent: '#6a1b9a', accentInk: '#ffffff', background: '#fff8e1', logoUrl: null });

    const bad = await gw.api('PATCH', `/api/events/${eventId}`, { settings: { branding: { accent: 'red; background:url(x)', background: '#203040' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues).toEqual([
      { field: 'settings.branding.accent', reason: 'must be a colour as #rrggbb (or null for the default)' },
      { field: 'settings.branding.background', reason: expect.stringMatching(/too dark for the page's text: contrast 1\.\d:1/) },
    ]);
    const pale = await gw.api('PATCH', `/api/events/${eventId}`, { settings: { branding: { accent: '#ffee00' } } });
    expect(pale.body.details.issues).toEqual([{ field: 'settings.branding.accent', reason: expect.stringMatching(/too light for link text/) }]);
    // Nothing changed, and null goes back to the page's own colours.
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.settings.branding.accent).toBe('#6a1b9a');
    await gw.api('PATCH', `/api/events/${eventId}`, { settings: { branding: { accent: null } } });
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.settings.branding).toMatchObject({ accent: null, background: '#fff8e1' });
  });
});

describe('the logo', () => {
  it('is recognised by its first bytes: PNG, JPEG, WebP, and nothing else', () => {
    expect(sniffLogoType(PNG)).toBe('image/png');
    expect(sniffLogoType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffLogoType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffLogoType(SVG)).toBeUndefined();
    expect(sniffLogoType(Buffer.from('GIF89a'))).toBeUndefined();
  });

  it('is uploaded, served from this origin with its own type and a sandboxing CSP, cached by its hash, and removable', async () => {
    const eventId = await gw.createEvent();
    const put = await putLogo(eventId, PNG);
    expect(put.status).toBe(200);
    const answer = (await put.json()) as { branding: { logo: { sha256: string } }; logoUrl: string };
    expect(answer.branding.logo).toEqual({ contentType: 'image/png', data: '', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(answer.logoUrl).toBe(`/api/public/events/${eventId}/logo?v=${answer.branding.logo.sha256.slice(0, 16)}`);
    // The list of events (read every 2 s by the page) carries no image bytes.
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.settings.branding.logo.data).toBe('');

    const { body: info } = await gw.api('GET', `/api/public/events/${eventId}`);
    expect(info.branding.logoUrl).toBe(answer.logoUrl);
    const logo = await fetch(`${gw.httpUrl}${answer.logoUrl}`);
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(logo.headers.get('x-content-type-options')).toBe('nosniff');
    expect(logo.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(Buffer.from(await logo.arrayBuffer()).equals(PNG)).toBe(true);
    const again = await fetch(`${gw.httpUrl}${answer.logoUrl}`, { headers: { 'if-none-match': logo.headers.get('etag')! } });
    expect(again.status).toBe(304);

    await gw.api('PATCH', `/api/events/${eventId}`, { settings: { branding: { logo: null } } });
    expect((await gw.api('GET', `/api/public/events/${eventId}`)).body.branding.logoUrl).toBeNull();
    expect((await fetch(`${gw.httpUrl}/api/public/events/${eventId}/logo`)).status).toBe(404);
  });

  it('refuses an SVG (whatever its Content-Type says), a non-image body, an image too large, and shows nothing of a draft', async () => {
    const eventId = await gw.createEvent();
    const svg = await putLogo(eventId, SVG, 'image/png');
    expect(svg.status).toBe(400);
    expect(await svg.json()).toMatchObject({ code: 'INVALID_CONFIG', details: { issues: [{ field: 'settings.branding.logo', reason: 'must be a PNG, JPEG or WebP image' }] } });
    expect((await putLogo(eventId, PNG, 'text/plain')).status).toBe(400);
    expect((await putLogo(eventId, Buffer.concat([PNG, Buffer.alloc(MAX_LOGO_BYTES)]))).status).toBe(413);
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.settings.branding.logo).toBeNull();

    const draft = `draft-${Date.now()}`;
    const created = await gw.api('POST', '/api/events', { config: { id: draft, name: 'Draft', preQueueOpensAt: gw.clock.now() + 60_000, onSaleAt: gw.clock.now() + 120_000, closesAt: gw.clock.now() + 3600_000, inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1, quantity: 1 }] } } });
    expect(created.status).toBe(201);
    expect((await putLogo(draft, PNG)).status).toBe(200);
    expect((await fetch(`${gw.httpUrl}/api/public/events/${draft}/logo`)).status).toBe(404);
  });
});
