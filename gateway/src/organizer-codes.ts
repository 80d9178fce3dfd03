/**
 * The organizer API's access codes: generate, upload (CSV), list and export
 * with their redemption state. The engine decides (codes are drawn with the
 * event's random source and journaled there); this file only moves them
 * between HTTP and the engine link. docs/presales.md is the guide.
 */
import { BreakwaterError, MAX_CODES_CSV_BYTES, type CodeView } from '../../engine/src/index.js';
import type { EngineLink } from '../../engine/link/types.js';
import { csvField } from '../../engine/host/index.js';
import { json, jsonBody, type HttpRouter, type RequestInfo, type RouteOptions } from './http/router.js';

/** Codes per page of the JSON list. */
const MAX_LIST_PAGE = 1_000;
/** Codes per page of the CSV export: a page stays under NATS's 1 MB message limit in cluster mode. */
const MAX_EXPORT_PAGE = 10_000;

function malformed(field: string, reason: string): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `${field} ${reason}`, { details: { field, reason } });
}

/** A whole number from the query string, or its default. */
function queryNumber(request: RequestInfo, name: string, fallback: number, max: number): number {
  const raw = request.query.get(name);
  if (raw === null) return fallback;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) > max) throw malformed(name, `must be a whole number up to ${max}`);
  return Number(raw);
}

function page(request: RequestInfo, defaultLimit: number, maxLimit: number): { offset: number; limit: number } {
  return { offset: queryNumber(request, 'offset', 0, 1_000_000_000), limit: queryNumber(request, 'limit', defaultLimit, maxLimit) };
}

/** The upload's four columns first (an export can be edited and uploaded to another event), then the state. */
export function codesCsv(codes: readonly CodeView[]): string {
  const lines = ['code,uses,ticketCap,phase,ticketsUsed,accounts'];
  for (const c of codes) lines.push([c.code, c.uses, c.ticketCap, c.phaseId ?? '', c.ticketsUsed, c.accounts.join(' ')].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

export function registerCodeRoutes(router: HttpRouter, link: EngineLink, organizer: RouteOptions): void {
  const command = (eventId: string, body: Record<string, unknown>) => link.execute({ op: 'command', command: { ...body, eventId } });

  router.post('/api/events/:id/codes/generate', async (request) => {
    const body = jsonBody(request);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw malformed('body', 'must be a JSON object');
    const { count, uses, ticketCap, phaseId } = body as Record<string, unknown>;
    // Only the fields the command has (msgpack would turn an absent phase into null).
    const fields = phaseId === undefined ? { count, uses, ticketCap } : { count, uses, ticketCap, phaseId };
    return json(201, await command(request.params[0]!, { type: 'generateCodes', ...fields }));
  }, organizer);

  router.post('/api/events/:id/codes', async (request) => {
    const type = request.headers['content-type'] ?? '';
    if (!/^text\/(csv|plain)\b/i.test(type)) throw malformed('content-type', 'must be text/csv');
    if (request.body.byteLength > MAX_CODES_CSV_BYTES) {
      throw new BreakwaterError('PAYLOAD_TOO_LARGE', `an upload of codes is limited to ${MAX_CODES_CSV_BYTES} bytes: split the file`, {
        details: { limit: MAX_CODES_CSV_BYTES },
      });
    }
    let csv: string;
    try {
      csv = new TextDecoder('utf-8', { fatal: true }).decode(request.body);
    } catch {
      throw malformed('csv', 'must be UTF-8 text');
    }
    return json(201, await command(request.params[0]!, { type: 'uploadCodes', csv }));
  }, organizer);

  router.get('/api/events/:id/codes', async (request) => {
    return json(200, await link.execute({ op: 'codes', eventId: request.params[0]!, ...page(request, 100, MAX_LIST_PAGE) }));
  }, organizer);

  router.get('/api/events/:id/codes/export', async (request) => {
    const result = await link.execute({ op: 'codes', eventId: request.params[0]!, ...page(request, MAX_EXPORT_PAGE, MAX_EXPORT_PAGE) });
    return {
      status: 200,
      text: codesCsv(result.codes),
      contentType: 'text/csv; charset=utf-8',
      headers: { 'x-codes-total': String(result.total), 'content-disposition': `attachment; filename="${request.params[0]}-codes.csv"` },
    };
  }, organizer);
}
