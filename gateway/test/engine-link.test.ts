import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/src/index.js';
import { aesSeedVault } from '../../engine/stores/seed-vault.js';
import { EngineHost } from '../../engine/host/engine-host.js';
import { InProcessEngineLink } from '../../engine/link/in-process.js';
import { IpcEngineLink, type IpcMessage } from '../../engine/link/ipc.js';
import type { EngineBroadcast } from '../../engine/link/types.js';
import { eventConfig } from './helpers/test-gateway.js';

/** The worker's end of a fork channel, driven by the test. */
class FakeForkEnd extends EventEmitter {
  readonly sent: IpcMessage[][] = [];
  connected = true;
  send(message: unknown, callback: (error: Error | null) => void): boolean {
    this.sent.push(message as IpcMessage[]);
    callback(null);
    return true;
  }
}

async function flushed(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('the IPC link', () => {
  it('lets the code awaiting a reply run before a broadcast that follows it in the same batch', async () => {
    const end = new FakeForkEnd();
    const link = new IpcEngineLink(end);
    const order: string[] = [];
    link.subscribe(() => order.push('broadcast'));
    const reply = link.execute({ op: 'listEvents' }).then(() => order.push('continuation'));
    await flushed();
    const request = end.sent[0]![0]! as Extract<IpcMessage, { k: 'req' }>;
    const stats: EngineBroadcast = { type: 'stats', at: 0, events: [], workers: [], engines: [] };
    end.emit('message', [{ k: 'res', id: request.id, ok: true, result: [] }, { k: 'bc', broadcast: stats }] satisfies IpcMessage[]);
    await reply;
    await flushed();
    expect(order).toEqual(['continuation', 'broadcast']);
    await link.close();
  });

  it('rebuilds the engine\'s error with its code, and times out when the engine does not answer', async () => {
    const end = new FakeForkEnd();
    const link = new IpcEngineLink(end, { timeoutMs: 50 });
    const refused = link.execute({ op: 'getEvent', eventId: 'x' });
    await flushed();
    const request = end.sent[0]![0]! as Extract<IpcMessage, { k: 'req' }>;
    end.emit('message', [{ k: 'res', id: request.id, ok: false, error: { code: 'EVENT_NOT_FOUND', message: 'no event "x"', details: { eventId: 'x' } } }]);
    await expect(refused).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND', status: 404, details: { eventId: 'x' } });
    await expect(link.execute({ op: 'listEvents' })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', details: { reason: 'timeout' } });
    end.connected = false;
    await expect(link.execute({ op: 'listEvents' })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', details: { reason: 'disconnected' } });
    await link.close();
  });
});

describe('sessions in the engine process', () => {
  function hostWithEvent(): { host: EngineHost; eventId: string; clock: SimulatedClock } {
    const clock = new SimulatedClock(1_000_000);
    const host = new EngineHost({ clock, seeds: aesSeedVault('engine link test'), log: () => undefined });
    const config = eventConfig(clock.now(), { presenceGraceMs: 5_000, admission: { mode: 'concurrency', maxActiveShoppers: 1 } });
    host.handle({ op: 'createEvent', config, publish: true, settings: {} });
    return { host, eventId: config.id, clock };
  }

  it('ignores the late disconnect of a connection the fan already replaced', () => {
    const { host, eventId } = hostWithEvent();
    const first = host.handle({ op: 'openSession', eventId, fanId: 'f', resume: false });
    const second = host.handle({ op: 'openSession', eventId, fanId: 'f', resume: true });
    host.handle({ op: 'closeSession', eventId, fanId: 'f', session: first.session });
    expect(host.engine.event(eventId).room.isConnected('f')).toBe(true);
    host.handle({ op: 'closeSession', eventId, fanId: 'f', session: second.session });
    expect(host.engine.event(eventId).room.isConnected('f')).toBe(false);
  });

  it('refuses to hand an existing place to a join without a token, atomically', () => {
    const { host, eventId } = hostWithEvent();
    host.handle({ op: 'openSession', eventId, fanId: 'f', resume: false });
    expect(() => host.handle({ op: 'openSession', eventId, fanId: 'f', resume: false })).toThrow(expect.objectContaining({ code: 'FAN_ID_IN_USE' }));
  });

  it('marks every fan of a gateway process that died as disconnected, so the grace period runs', () => {
    const { host, eventId, clock } = hostWithEvent();
    host.handle({ op: 'openSession', eventId, fanId: 'blocker', resume: false }, 'w2');
    host.handle({ op: 'openSession', eventId, fanId: 'on-w1', resume: false }, 'w1');
    host.handle({ op: 'openSession', eventId, fanId: 'on-w2', resume: false }, 'w2');
    host.dropOwner('w1');
    clock.advance(60_000);
    host.tick();
    const room = host.engine.event(eventId).room;
    expect(room.isPresent('on-w1')).toBe(false);
    expect(room.isPresent('on-w2')).toBe(true);
  });

  it('publishes a queue state only when it changed (or as a heartbeat)', async () => {
    const { host, eventId, clock } = hostWithEvent();
    const link = new InProcessEngineLink(host);
    const published: string[] = [];
    link.subscribe((b) => b.type === 'queue' && published.push(...b.states.map((s) => s.eventId)));
    host.tick();
    host.tick();
    clock.advance(100);
    host.tick();
    await flushed();
    expect(published).toEqual([eventId]);
    await link.close();
  });
});
