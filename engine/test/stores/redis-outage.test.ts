import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from '../../src/clock.js';
import { Engine } from '../../src/engine.js';
import { DurableJournal } from '../../stores/durable-journal.js';
import { ON_SALE_AT, T0, TEST_SEEDS, deterministicBytes, gaConfig } from '../fixtures.js';
import { startRedis, type RedisFixture } from './redis-fixture.js';

const E = 'outage-night';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let fx: RedisFixture;
beforeAll(async () => {
  fx = await startRedis();
});
afterAll(() => fx?.stop());

describe('Redis killed (-9) while the engine writes', () => {
  it('durable() waits while Redis is down (stalled), completes after the restart, and the journal holds every entry once', async () => {
    const redis = fx.client();
    const prefix = fx.prefix();
    const log = vi.fn();
    const journal = new DurableJournal(await fx.owner(redis, prefix), { retryMs: 20, log });
    const clock = new SimulatedClock(T0);
    const engine = new Engine({ clock, randomBytes: deterministicBytes, seeds: TEST_SEEDS, journal });
    engine.createEvent(gaConfig({ id: E }), { publish: true });
    clock.set(ON_SALE_AT);

    // Fans keep joining and time keeps ticking, so a write is almost always in flight.
    let joins = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        engine.execute({ type: 'join', eventId: E, fanId: `fan${++joins}` });
        if (joins % 10 === 0) engine.tick();
        await pause(1);
      }
    })();
    await vi.waitFor(() => expect(joins).toBeGreaterThan(100), { timeout: 10_000 });

    await fx.server.kill();
    await vi.waitFor(() => expect(journal.stalled).toBe(true), { timeout: 10_000 });
    const marked = joins;
    let durable = false;
    const waiting = journal.durable().then(() => (durable = true));
    await vi.waitFor(() => expect(joins).toBeGreaterThan(marked + 50), { timeout: 10_000 });
    expect(durable).toBe(false);
    expect(journal.stalled).toBe(true);
    expect(journal.pendingEntries).toBeGreaterThan(50);

    await fx.server.start();
    await waiting;
    producing = false;
    await producer;
    await journal.durable();
    expect(journal.stalled).toBe(false);
    expect(journal.pendingEntries).toBe(0);
    expect(log).toHaveBeenCalledWith('journal writes resumed');

    const next = await fx.owner(redis, prefix);
    expect(await next.partitionEvents()).toEqual([E]);
    const { entries } = await next.claim(E);
    expect(entries).toEqual(engine.journal.read(E));
    expect(entries.filter((e) => e.type === 'joined')).toHaveLength(joins);

    const restoredJournal = new DurableJournal(next);
    restoredJournal.load(E, entries);
    const restored = Engine.restore(restoredJournal, { clock, randomBytes: deterministicBytes, seeds: TEST_SEEDS }).event(E);
    expect(restored.status()).toEqual(engine.event(E).status());
    for (const fanId of ['fan1', `fan${marked}`, `fan${joins}`]) expect(restored.fanView(fanId), fanId).toEqual(engine.event(E).fanView(fanId));
  });
});
