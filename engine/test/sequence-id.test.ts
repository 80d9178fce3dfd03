import { describe, expect, it } from 'vitest';
import { sequenceId, sequenceOf } from '../src/util/sequence-id.js';

describe('sequence ids', () => {
  it('round-trips', () => {
    for (const n of [1, 9, 10, 12345, 9_007_199]) expect(sequenceOf(sequenceId('h', n), 'h')).toBe(n);
  });

  it('finds nothing for foreign or malformed ids', () => {
    for (const id of ['', 'h', 'g12', 'h01', 'h1a', 'h-1', 'h 1', 'h1.5', 'H1', `h${'9'.repeat(20)}`]) {
      expect(sequenceOf(id, 'h'), id).toBe(-1);
    }
  });
});
