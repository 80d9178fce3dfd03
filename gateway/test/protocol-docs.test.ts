import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_FIELDS, HOLD_FIELDS, SERVER_FIELDS } from '../src/protocol/index.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

/** The `code` spans of a piece of the document, in order. */
const codeSpans = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** The fields the document lists for a message: its table row, or the paragraph that starts with its bold name. */
function documentedFields(section: string, type: string): string[] {
  const row = section.split('\n').find((line) => line.startsWith('| ') && codeSpans(line.split('|')[1]!).includes(type));
  if (row === undefined) throw new Error(`no row for \`${type}\` in docs/protocol.md`);
  const cell = row.split('|')[2]!;
  if (!/see below/.test(cell)) return codeSpans(cell);
  const start = doc.indexOf(`**\`${type}\`**`);
  if (start < 0) throw new Error(`no paragraph for \`${type}\``);
  return codeSpans(doc.slice(start, doc.indexOf('\n\n', start)).replace(`**\`${type}\`**`, ''));
}

/** What the document lists, reduced to the message's own field names (it also quotes values such as `presenceLost`). */
const listed = (documented: string[], fields: readonly string[]) => documented.filter((name) => fields.includes(name));

describe('docs/protocol.md', () => {
  const client = doc.slice(doc.indexOf('## Client messages'), doc.indexOf('## Server messages'));
  const server = doc.slice(doc.indexOf('## Server messages'), doc.indexOf('## Errors'));

  it('lists every client message with its fields in wire order', () => {
    for (const [type, fields] of Object.entries(CLIENT_FIELDS)) expect(listed(documentedFields(client, type), fields), type).toEqual(fields);
  });

  it('lists every server message with its fields in wire order, and the fields of a hold', () => {
    for (const [type, fields] of Object.entries(SERVER_FIELDS)) expect(listed(documentedFields(server, type), fields), type).toEqual(fields);
    const hold = doc.slice(doc.indexOf('**`hold`**'), doc.indexOf('\n\n', doc.indexOf('**`hold`**')));
    expect(listed(codeSpans(hold), HOLD_FIELDS)).toEqual(HOLD_FIELDS);
  });
});
