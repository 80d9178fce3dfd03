import { describe, expect, it } from 'vitest';
import { judgeTransport } from '../src/live/report.js';

describe('judgeTransport: which transport failures count against a live run', () => {
  const seen = { 'unexpected close': 3_500, 'socket EPIPE': 2_000, 'connect ECONNRESET': 8, 'socket silent': 12, 'unexpected close 4013': 1, 'protocol: undecodable frame': 2, 'upgrade refused 503': 4, 'checkout HTTP 500': 1 };

  it('counts every one when no process is killed on purpose', () => {
    expect(judgeTransport(seen, false)).toEqual({ failing: seen, droppedByFaults: 0 });
  });

  it('counts apart only sockets a killed process dropped or refused when faults are expected', () => {
    expect(judgeTransport(seen, true)).toEqual({
      failing: { 'unexpected close 4013': 1, 'protocol: undecodable frame': 2, 'upgrade refused 503': 4, 'checkout HTTP 500': 1 },
      droppedByFaults: 5_520,
    });
  });
});
