import { describe, expect, it } from 'vitest';
import { chooseCoding } from '../src/http/accept-encoding.js';

const ALL = ['br', 'gzip', 'identity'] as const;

describe('chooseCoding', () => {
  it('sends the bytes as they are without the header', () => {
    expect(chooseCoding(undefined, ALL)).toBe('identity');
    expect(chooseCoding('  ', ALL)).toBe('identity');
  });

  it('prefers the smaller coding among equals, and respects q-values', () => {
    expect(chooseCoding('gzip, deflate, br, zstd', ALL)).toBe('br');
    expect(chooseCoding('gzip', ALL)).toBe('gzip');
    expect(chooseCoding('br;q=0.4, gzip;q=0.8', ALL)).toBe('gzip');
    expect(chooseCoding('BR;Q=1.0, gzip;q=0.8', ALL)).toBe('br');
    expect(chooseCoding('br;q=0', ['br', 'identity'])).toBe('identity');
  });

  it('reads * as every coding not named', () => {
    expect(chooseCoding('*', ALL)).toBe('br');
    expect(chooseCoding('br;q=0, *', ALL)).toBe('gzip');
    expect(chooseCoding('gzip;q=0.2, *;q=0.5', ALL)).toBe('br');
  });

  it('weighs identity, when not named, as * or as the least wanted coding named', () => {
    expect(chooseCoding('gzip;q=0.5', ['br', 'gzip', 'identity'])).toBe('gzip');
    expect(chooseCoding('gzip;q=0.5', ['identity'])).toBe('identity');
    expect(chooseCoding('deflate', ALL)).toBe('identity');
    expect(chooseCoding('identity;q=0.9, gzip;q=0.1', ALL)).toBe('identity');
  });

  it('sends the bytes as they are when nothing offered is acceptable', () => {
    expect(chooseCoding('identity;q=0, deflate', ALL)).toBe('identity');
    expect(chooseCoding('*;q=0', ALL)).toBe('identity');
    expect(chooseCoding('gzip;q=x', ['gzip', 'identity'])).toBe('identity');
  });
});
