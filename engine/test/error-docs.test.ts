import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = [...doc.matchAll(/^### `([A-Z_]+)`/gm)].map((m) => m[1]);

describe('docs/errors.md', () => {
  it('documents every error code of the registry, with its HTTP status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(documented, `${code} is not documented`).toContain(code);
      const section = doc.slice(doc.indexOf(`### \`${code}\``)).split('\n### ')[0]!;
      expect(section, `${code}: status`).toContain(`HTTP ${status}`);
    }
  });

  it('documents no code the registry does not have', () => {
    for (const code of documented) expect(Object.keys(ERROR_CODES)).toContain(code);
  });
});
