import { describe, expect, it } from 'vitest';
import { MAX_RESTART_DELAY_MS, RESTART_DELAY_MS, RestartBackoff } from '../../launch/child-processes.js';

describe('restarting a crashed child', () => {
  it('doubles the pause with each crash in a row, up to the ceiling, and never gives up', () => {
    const backoff = new RestartBackoff();
    let now = 0;
    const pauses: number[] = [];
    for (let crash = 0; crash < 12; crash++) {
      const pause = backoff.crashed(now);
      pauses.push(pause);
      now += pause + 1000; // restarted, crashes again a second later
    }
    expect(pauses.slice(0, 4)).toEqual([RESTART_DELAY_MS, 2 * RESTART_DELAY_MS, 4 * RESTART_DELAY_MS, 8 * RESTART_DELAY_MS]);
    expect(pauses.slice(-3)).toEqual([MAX_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS]);
    expect(backoff.crashesInARow).toBe(12);
  });

  it('starts over once the child stayed up a minute', () => {
    const backoff = new RestartBackoff();
    backoff.crashed(0);
    expect(backoff.crashed(2_000)).toBe(2 * RESTART_DELAY_MS);
    expect(backoff.crashed(2_000 + 61_000 + 2 * RESTART_DELAY_MS)).toBe(RESTART_DELAY_MS);
    expect(backoff.crashesInARow).toBe(1);
  });
});
