/**
 * The catch-up after lost broadcasts (gateway/src/fan/fan-resync.ts) with a
 * link played by the test: fans whose places change while its requests are on
 * their way are skipped, and the others are still caught up.
 */
import { describe, expect, it } from 'vitest';
import type { EngineLink, EngineRequest, FanView } from '../../engine/link/types.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { newConnection, FanSender, type FanConnection } from '../src/fan/connection.js';
import { FanDirectory } from '../src/fan/fan-directory.js';
import { FanResync } from '../src/fan/fan-resync.js';
import { decodeServerMessage, type ServerMessage } from '../src/protocol/index.js';
import { eventually } from './helpers/test-gateway.js';

const EVENT = 'resync-night';
const metrics = new GatewayMetrics();

/** A bound connection whose socket keeps what it is sent. */
function boundFan(id: number, fanId: string, directory: FanDirectory): { conn: FanConnection; heard: ServerMessage[] } {
  const heard: ServerMessage[] = [];
  const conn = newConnection(id, '127.0.0.1', 10, 0);
  conn.ws = { send: (frame: Uint8Array) => (heard.push(decodeServerMessage(frame)), 1) } as never;
  conn.binding = { eventId: EVENT, fanId, session: id, number: id };
  directory.add(conn);
  return { conn, heard };
}

function admittedView(grantId: string): FanView {
  return { status: 'admitted', number: 1, grant: { grantId, expiresAt: 9_999 }, called: false, lapsed: null, holds: [] };
}

describe('catching fans up', () => {
  it('skips a fan whose place went while the catch-up was asking, and still tells the others', async () => {
    const directory = new FanDirectory();
    const leaving = boundFan(1, 'leaving', directory);
    const staying = boundFan(2, 'staying', directory);
    const logs: string[] = [];
    const link = {
      connected: true,
      subscribe: () => () => undefined,
      close: async () => undefined,
      execute: async (request: EngineRequest) => {
        if (request.op === 'claimSessions') {
          // The fan leaves (or loses its place) while the claim is on its way.
          directory.remove(leaving.conn);
          leaving.conn.binding = undefined;
          return null;
        }
        if (request.op === 'fanViews') return Object.fromEntries(request.fanIds.map((fanId) => [fanId, admittedView(`g-${fanId}`)]));
        throw new Error(`unexpected ${request.op}`);
      },
    } as unknown as EngineLink;
    const resync = new FanResync({ link, directory, sender: new FanSender(metrics), unbind: () => undefined, log: (line) => logs.push(line) });
    resync.request([EVENT], 'a gap');
    await eventually(() => expect(logs).toContain(`caught 1 fans of ${EVENT} up (a gap)`));
    expect(logs.filter((line) => line.includes('failed'))).toEqual([]);
    expect(staying.heard).toEqual([{ t: 'admitted', eventId: EVENT, grantId: 'g-staying', expiresAt: 9_999 }]);
    expect(leaving.heard).toEqual([]);
  });
});
