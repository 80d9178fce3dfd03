import type { SalePhase } from '../config/types.js';
import { BreakwaterError } from '../errors.js';
import { normalizeCode, type CodeBatch, type CodeBook } from './code-book.js';

/** Crockford's base 32: digits and capitals without I, L, O and U, which read as 1, 1, 0 and V. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 12 characters of 5 bits: 60 bits, so guessing one of a million codes takes about 2^40 tries. */
export const GENERATED_CODE_LENGTH = 12;
const MAX_CODES_PER_EVENT = 1_000_000;
/** Per request: the reply and the journal entry stay around 650 KB, under NATS's 1 MB message limit in cluster mode. */
export const MAX_CODES_PER_REQUEST = 50_000;
const MAX_USES = 1_000_000;
const MAX_TICKET_CAP = 1_000_000;
/** Past this many, bad lines of an upload are only counted. */
const MAX_LISTED_LINES = 100;

export interface GenerateCodes {
  count: number;
  uses: number;
  ticketCap: number;
  phaseId?: string;
}

function malformed(field: string, reason: string, details: Record<string, unknown> = {}): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `${field} ${reason}`, { details: { field, reason, ...details } });
}

function whole(value: unknown, field: string, max: number): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) throw malformed(field, `must be an integer from 1 to ${max}`);
  return value as number;
}

/** The ids of the phases that ask for a code: the only phases a code may name. */
function codePhases(phases: readonly SalePhase[]): Set<string> {
  return new Set(phases.filter((phase) => phase.access.kind === 'code').map((phase) => phase.id));
}

function requireRoom(book: CodeBook, adding: number): void {
  if (book.size + adding > MAX_CODES_PER_EVENT) {
    throw malformed('count', `would take the event past ${MAX_CODES_PER_EVENT} codes (it has ${book.size})`);
  }
}

/**
 * Draws `count` new codes with the event's random source: one byte per
 * character, 256 = 8 × 32 so every character is uniform. A code that exists
 * already is drawn again (the chance is about size / 2^60).
 */
export function generateCodes(request: GenerateCodes, phases: readonly SalePhase[], book: CodeBook, randomBytes: (n: number) => Uint8Array): CodeBatch {
  const count = whole(request.count, 'count', MAX_CODES_PER_REQUEST);
  const uses = whole(request.uses, 'uses', MAX_USES);
  const ticketCap = whole(request.ticketCap, 'ticketCap', MAX_TICKET_CAP);
  if (request.phaseId !== undefined && !codePhases(phases).has(request.phaseId)) {
    throw malformed('phaseId', 'must name a phase whose access is by code', { phaseId: request.phaseId });
  }
  requireRoom(book, count);
  const batch: CodeBatch = { codes: freshCodes(count, book, randomBytes), uses, ticketCap };
  if (request.phaseId !== undefined) batch.phaseId = request.phaseId;
  return batch;
}

/** `count` codes the book does not have yet, drawn with the event's random source. */
export function freshCodes(count: number, book: CodeBook, randomBytes: (n: number) => Uint8Array): string[] {
  const fresh = new Set<string>();
  for (let round = 0; fresh.size < count; round++) {
    if (round === 8) throw new Error('the random source keeps repeating itself');
    const missing = count - fresh.size;
    const bytes = randomBytes(missing * GENERATED_CODE_LENGTH);
    for (let k = 0; k < missing; k++) {
      let code = '';
      for (let j = 0; j < GENERATED_CODE_LENGTH; j++) code += ALPHABET[bytes[k * GENERATED_CODE_LENGTH + j]! & 31];
      if (!book.has(code)) fresh.add(code);
    }
  }
  return [...fresh];
}

interface BadLine { line: number; reason: string }

const HEADER = /^\s*code\s*,\s*uses\s*,\s*ticketcap\s*(,\s*phase\s*)?$/i;
const WHOLE = /^[0-9]{1,7}$/;

/**
 * Reads an upload of `code,uses,ticketCap[,phase]` lines (a header line of
 * those names is allowed, blank lines are skipped). Every line is checked
 * before anything is added: a bad file throws MALFORMED_COMMAND whose
 * `details.lines` says which lines are wrong and why. Codes that share uses,
 * cap and phase come back as one batch (one journal entry).
 */
export function parseCodesCsv(text: string, phases: readonly SalePhase[], book: CodeBook): CodeBatch[] {
  const allowedPhases = codePhases(phases);
  const bad: BadLine[] = [];
  let unlisted = 0;
  const fail = (line: number, reason: string) => (bad.length < MAX_LISTED_LINES ? bad.push({ line, reason }) : unlisted++);
  const lineOfCode = new Map<string, number>();
  const batches = new Map<string, CodeBatch>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || (line === 1 && HEADER.test(raw))) return;
    const fields = raw.split(',').map((field) => field.trim());
    if (fields.length < 3 || fields.length > 4) return fail(line, `has ${fields.length} fields: expected code,uses,ticketCap[,phase]`);
    const [rawCode, usesText, capText, phaseId = ''] = fields as [string, string, string, string?];
    const code = normalizeCode(rawCode);
    if (code === undefined) return fail(line, 'the code must be 4 to 64 letters, digits or "_" (spaces and dashes are ignored)');
    const earlier = lineOfCode.get(code);
    if (earlier !== undefined) return fail(line, `repeats the code of line ${earlier}`);
    lineOfCode.set(code, line);
    if (book.has(code)) return fail(line, 'the event already has this code');
    const uses = Number(usesText);
    if (!WHOLE.test(usesText) || uses < 1 || uses > MAX_USES) return fail(line, `uses must be a whole number from 1 to ${MAX_USES}`);
    const ticketCap = Number(capText);
    if (!WHOLE.test(capText) || ticketCap < 1 || ticketCap > MAX_TICKET_CAP) return fail(line, `ticketCap must be a whole number from 1 to ${MAX_TICKET_CAP}`);
    if (phaseId !== '' && !allowedPhases.has(phaseId)) return fail(line, `phase "${phaseId}" is not a phase whose access is by code`);
    const key = `${uses},${ticketCap},${phaseId}`;
    let batch = batches.get(key);
    if (batch === undefined) {
      batch = { codes: [], uses, ticketCap };
      if (phaseId !== '') batch.phaseId = phaseId;
      batches.set(key, batch);
    }
    batch.codes.push(code);
    return undefined;
  });
  const count = lineOfCode.size;
  if (bad.length === 0 && count === 0) fail(1, 'the file has no codes');
  if (bad.length > 0) {
    const shown = bad.slice(0, 3).map((b) => `line ${b.line}: ${b.reason}`).join('; ');
    throw new BreakwaterError('MALFORMED_COMMAND', `${bad.length + unlisted} lines of the upload are wrong, nothing was added: ${shown}`, {
      details: { field: 'csv', reason: 'lines are wrong', lines: bad, unlistedLines: unlisted },
    });
  }
  if (count > MAX_CODES_PER_REQUEST) throw malformed('csv', `must have at most ${MAX_CODES_PER_REQUEST} codes, got ${count}`);
  requireRoom(book, count);
  return [...batches.values()];
}
