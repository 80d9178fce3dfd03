import { describe, expect, it } from 'vitest';
import { eventKeys, partitionKeys } from '../../stores/redis/keys.js';

/** What Redis Cluster hashes: the text between the first "{" and the next "}" when not empty, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('Redis keys', () => {
  it('every key of an event carries the tag {eventId}, every key of a partition {p<n>}', () => {
    for (const eventId of ['a', 'ev-1', 'Big_Night.2030']) {
      const keys = Object.values(eventKeys('bw', eventId));
      expect(keys.map(hashTag)).toEqual([eventId, eventId, eventId, eventId]);
      expect(new Set(keys).size).toBe(4);
    }
    expect(Object.values(partitionKeys('bw', 7)).map(hashTag)).toEqual(['p7', 'p7']);
    expect(eventKeys('bw:staging', 'e1')).toEqual({ journal: 'bw:staging:{e1}:journal', meta: 'bw:staging:{e1}:meta', settings: 'bw:staging:{e1}:settings', push: 'bw:staging:{e1}:push' });
  });

  it('refuses names that would move the tag or break the layout', () => {
    for (const eventId of ['', 'a}b', '{a}', 'a b', 'a:b']) expect(() => eventKeys('bw', eventId), eventId).toThrow(/event id/);
    for (const prefix of ['{bw}', 'b{w', 'bw}']) expect(() => eventKeys(prefix, 'e1'), prefix).toThrow(/prefix/);
    for (const partition of [-1, 1.5, Number.NaN]) expect(() => partitionKeys('bw', partition)).toThrow(/partition/);
  });
});
