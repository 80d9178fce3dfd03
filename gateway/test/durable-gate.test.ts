/**
 * With the file journal, nothing leaves the engine process before what it
 * tells is durable: the IPC channel and the in-process link wait for the
 * gate, in order; and the file-backed host comes back from its directory.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/src/index.js';
import { aesSeedVault } from '../../engine/stores/seed-vault.js';
import { EngineHost } from '../../engine/host/engine-host.js';
import { openFileBackedHost } from '../../engine/host/file-backed-host.js';
import { InProcessEngineLink } from '../../engine/link/in-process.js';
import { BatchedChannel, type IpcMessage } from '../../engine/link/ipc.js';
import type { EngineBroadcast } from '../../engine/link/types.js';
import { eventConfig, SIGNING_SECRET } from './helpers/test-gateway.js';

class FakeForkEnd extends EventEmitter {
  readonly sent: IpcMessage[][] = [];
  readonly connected = true;
  send(message: unknown, callback: (error: Error | null) => void): boolean {
    this.sent.push(message as IpcMessage[]);
    callback(null);
    return true;
  }
}

/** A gate whose answers the test releases one by one, in the order they were asked. */
function heldGate() {
  const opens: Array<() => void> = [];
  return {
    gate: () => new Promise<void>((resolve) => opens.push(resolve)),
    asked: () => opens.length,
    open: (i: number) => opens[i]!(),
  };
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};
const stats = (at: number): EngineBroadcast => ({ type: 'stats', at, events: [], workers: [], engines: [] });

describe('the gate on the way out of the engine process', () => {
  it('sends an IPC batch only once the gate resolves, batches in the order they were made', async () => {
    const end = new FakeForkEnd();
    const { gate, asked, open } = heldGate();
    const channel = new BatchedChannel(end, () => undefined, gate);
    channel.post({ k: 'bc', broadcast: stats(1) });
    await turns();
    channel.post({ k: 'bc', broadcast: stats(2) });
    await turns();
    expect(asked()).toBe(2);
    open(1);
    await turns();
    expect(end.sent).toEqual([]);
    open(0);
    await turns();
    expect(end.sent.map((batch) => batch.map((m) => (m.k === 'bc' ? (m.broadcast as { at: number }).at : -1)))).toEqual([[1], [2]]);
  });

  it('resolves an in-process request and delivers its broadcasts only once the gate resolves, broadcasts first as without a gate', async () => {
    const clock = new SimulatedClock(1_000_000);
    const host = new EngineHost({ clock, seeds: aesSeedVault(SIGNING_SECRET) });
    const { gate, open, asked } = heldGate();
    const link = new InProcessEngineLink(host, gate);
    const order: string[] = [];
    link.subscribe((broadcast) => order.push(broadcast.type));
    const created = link.execute({ op: 'createEvent', config: eventConfig(clock.now(), { id: 'gated' }), publish: true, settings: {} }).then(() => order.push('reply'));
    await turns();
    expect(order).toEqual([]);
    for (let i = 0; i < asked(); i++) open(i);
    await created;
    expect(order).toEqual(['entries', 'settings', 'reply']);
    await link.close();
  });
});

describe('the file-backed host', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('comes back from its data directory with every event, its settings and each fan\'s holds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-host-'));
    dirs.push(dir);
    const clock = new SimulatedClock(1_000_000);
    const options = { clock, seeds: aesSeedVault(SIGNING_SECRET), log: () => undefined };
    const first = await openFileBackedHost(dir, options);
    const config = eventConfig(clock.now(), { id: 'back', onSaleAt: clock.now() });
    first.host.handle({ op: 'createEvent', config, publish: true, settings: { currency: 'USD' } });
    const opened = first.host.handle({ op: 'openSession', eventId: 'back', fanId: 'f1', resume: false });
    clock.advance(1000);
    first.host.tick();
    const grantId = first.host.handle({ op: 'openSession', eventId: 'back', fanId: 'f1', resume: true }).join.grant!.grantId;
    const held = first.host.handle({ op: 'fanCommand', command: { type: 'hold', eventId: 'back', fanId: 'f1', grantId, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'k' } }) as { holdId: string };
    await first.durable();
    await first.close();

    const second = await openFileBackedHost(dir, options);
    expect(second.restored).toMatchObject({ events: 1 });
    expect(second.host.settingsOf('back').currency).toBe('USD');
    const resumed = second.host.handle({ op: 'openSession', eventId: 'back', fanId: 'f1', resume: true });
    expect(resumed.join.number).toBe(opened.join.number);
    expect(resumed.holds.map((h) => [h.holdId, h.status, h.quantity])).toEqual([[held.holdId, 'held', 2]]);
    await second.close();
  });
});
