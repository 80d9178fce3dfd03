import { describe, expect, it } from 'vitest';
import { checkInvariants, Engine, MemoryJournal, SimulatedClock, type JournalEntry, type SaleEvent } from '../../engine/src/index.js';
import { CompactJournal } from '../src/drivers/compact-journal.js';
import { fanIdOf } from '../src/model/fan-table.js';
import { withoutTimings } from '../src/report/build.js';
import { simulate } from '../src/run.js';
import { scenario } from './helpers.js';
import { SIM_SEEDS } from '../src/drivers/in-process.js';

describe('the compact journal store', () => {
  it('reads back, entry for entry, what the engine wrote, and an engine restores from it', () => {
    const copy = new MemoryJournal();
    let engine: Engine | undefined;
    let sale: SaleEvent | undefined;
    // With a start window and fans behind one address: joins numbered by the draw (before and after the start), and slow-lane joins.
    simulate(scenario('tiny', { seed: 9, door: { startWindowMs: 5_000 }, crowd: { natFans: 300 } }), {
      journal: 'compact',
      onSale: (s, e) => {
        sale = s;
        engine = e;
        for (const id of e.journal.eventIds()) copy.append(id, e.journal.read(id));
        e.onEntries((id, entries) => copy.append(id, entries));
      },
    });
    const compact = engine!.journal.read('sim');
    const plain = copy.read('sim');
    expect(compact.length).toBe(plain.length);
    expect(compact.length).toBeGreaterThan(1000);
    const joins = (test: (e: JournalEntry & { type: 'joined' }) => boolean) => compact.filter((e) => e.type === 'joined' && test(e)).length;
    // The pre-queue and the window: one draw.
    expect(joins((e) => e.draw === 'preQueue' && e.at < sale!.config.onSaleAt)).toBeGreaterThan(0);
    expect(joins((e) => e.draw === 'preQueue' && e.at >= sale!.config.onSaleAt)).toBeGreaterThan(0);
    expect(joins((e) => e.readyAt !== undefined)).toBeGreaterThan(0);
    expect(joins((e) => e.draw === undefined && e.readyAt === undefined)).toBeGreaterThan(0);
    // Fans far back who close the page keep their places.
    expect(compact.filter((e) => e.type === 'presence' && e.keptAway === true).length).toBeGreaterThan(0);
    expect([...compact]).toEqual(plain);
    expect(compact[0]).toEqual(plain[0]);
    expect(compact.slice(-3)).toEqual(plain.slice(-3));
    expect(checkInvariants(compact, { requireAllHoldsEnded: true })).toEqual([]);
    const restored = Engine.restore(engine!.journal, { clock: new SimulatedClock(engine!.clock.now()), seeds: SIM_SEEDS });
    expect(restored.event('sim').status()).toEqual(sale!.status());
  });

  it('keeps fans whose ids the simulator does not spell as they are, and grows past its first columns', () => {
    const store = new CompactJournal();
    const T = 1_900_000_000_000;
    const odd = ['alice', 'f00', 'f+1', 'fNaN', `f${(2 ** 40).toString(36)}`, 'F1', 'f-1'];
    const fanIds = [...odd, ...Array.from({ length: 30_000 }, (_, fan) => fanIdOf(fan))];
    const entries: JournalEntry[] = fanIds.flatMap((fanId, i): JournalEntry[] => [
      { type: 'joined', at: T + i, fanId },
      { type: 'presence', at: T + i, fanId, connected: false, keptAway: true },
      { type: 'left', at: T + i + 1, fanId, reason: 'presenceLost' },
    ]);
    store.append('e', entries);
    expect(entries.length).toBeGreaterThan(1 << 16);
    expect([...store.read('e')]).toEqual(entries);
  });

  it('gives the same report as the engine’s memory store', () => {
    const a = simulate(scenario('tiny-seats', { seed: 4 }), { journal: 'memory' }).report;
    const b = simulate(scenario('tiny-seats', { seed: 4 }), { journal: 'compact' }).report;
    expect({ ...withoutTimings(b), journal: 'memory' }).toEqual(withoutTimings(a));
  });
});
