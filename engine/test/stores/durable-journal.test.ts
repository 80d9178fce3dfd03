import { describe, expect, it, vi } from 'vitest';
import type { JournalEntry } from '../../src/journal/entries.js';
import { DurableJournal } from '../../stores/durable-journal.js';
import { MemoryJournal } from '../../src/journal/memory-journal.js';
import { FencedError, type JournalBatch, type JournalWriter } from '../../stores/event-store.js';

const joined = (fanId: string): JournalEntry => ({ type: 'joined', at: 1, fanId });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

interface Gate {
  promise: Promise<void>;
  open: () => void;
}
function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A memory store that records every call, can hold a call open (gates, one per call in order) and can fail calls. */
class SpyStore implements JournalWriter {
  readonly calls: JournalBatch[][] = [];
  readonly writeIds: number[] = [];
  readonly gates: Array<Gate | undefined> = [];
  /** What the next calls throw, in order (after their gate opens). */
  readonly failures: Error[] = [];
  private readonly inner = new MemoryJournal();

  async write(batches: readonly JournalBatch[], writeId: number): Promise<void> {
    this.writeIds.push(writeId);
    this.calls.push(batches.map(({ eventId, entries }) => ({ eventId, entries: [...entries] })));
    await this.gates[this.calls.length - 1]?.promise;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    for (const { eventId, entries } of batches) this.inner.append(eventId, entries);
  }

  async read(eventId: string): Promise<JournalEntry[]> {
    return [...this.inner.read(eventId)];
  }
}

/** Whether a promise has settled, observed without waiting for it. */
function track(promise: Promise<void>): { settled: boolean; error: unknown } {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => (state.settled = true),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe('DurableJournal: group commit', () => {
  it('writes everything appended in one turn of the event loop in one store call, each event in order', async () => {
    const store = new SpyStore();
    const journal = new DurableJournal(store);
    for (let i = 0; i < 100; i++) {
      journal.append(i % 3 === 0 ? 'a' : 'b', [joined(`f${i}`)]);
      if (i % 10 === 0) await Promise.resolve(); // handlers of one turn awaiting each other
    }
    expect(journal.pendingEntries).toBe(100);
    await journal.durable();

    expect(store.calls).toHaveLength(1);
    expect(store.calls[0]!.map((b) => b.eventId)).toEqual(['a', 'b']);
    const expected = (id: string) => Array.from({ length: 100 }, (_, i) => i).filter((i) => (i % 3 === 0) === (id === 'a')).map((i) => joined(`f${i}`));
    expect(await store.read('a')).toEqual(expected('a'));
    expect(await store.read('b')).toEqual(expected('b'));
    expect(journal.read('a')).toEqual(expected('a'));
    expect(journal.pendingEntries).toBe(0);
  });

  it('copies the array it is given: the engine reuses it', async () => {
    const store = new SpyStore();
    const journal = new DurableJournal(store);
    const reused = [joined('x')];
    journal.append('a', reused);
    reused.length = 0;
    reused.push(joined('y'));
    journal.append('a', reused);
    reused.length = 0;
    await journal.durable();
    expect(journal.read('a')).toEqual([joined('x'), joined('y')]);
    expect(await store.read('a')).toEqual([joined('x'), joined('y')]);
  });

  it('while a write is in flight, appends of many turns wait and go together in the next write', async () => {
    const store = new SpyStore();
    const first = gate();
    store.gates.push(first);
    const journal = new DurableJournal(store);
    journal.append('a', [joined('1')]);
    await vi.waitFor(() => expect(store.calls).toHaveLength(1));
    for (const fanId of ['2', '3', '4']) {
      journal.append('a', [joined(fanId)]);
      await nextTurn();
    }
    expect(store.calls).toHaveLength(1);
    expect(journal.pendingEntries).toBe(4);

    first.open();
    await journal.durable();
    expect(store.calls.map((call) => call.flatMap((b) => b.entries.map((e) => (e as { fanId: string }).fanId)))).toEqual([['1'], ['2', '3', '4']]);
    expect(await store.read('a')).toEqual(['1', '2', '3', '4'].map(joined));
  });

  it('durable() waits for what was appended before the call, not for what comes after', async () => {
    const store = new SpyStore();
    const [first, second] = [gate(), gate()];
    store.gates.push(first, second);
    const journal = new DurableJournal(store);

    await journal.durable(); // nothing pending: at once
    journal.append('a', [joined('1')]);
    const one = track(journal.durable());
    await vi.waitFor(() => expect(store.calls).toHaveLength(1));
    journal.append('a', [joined('2')]);
    const two = track(journal.durable());

    first.open();
    await vi.waitFor(() => expect(one.settled).toBe(true));
    await vi.waitFor(() => expect(store.calls).toHaveLength(2));
    expect(two.settled).toBe(false);
    second.open();
    await vi.waitFor(() => expect(two.settled).toBe(true));
    expect([one.error, two.error]).toEqual([undefined, undefined]);
  });

  it('serves what load() preloaded without writing it again', async () => {
    const store = new SpyStore();
    const journal = new DurableJournal(store);
    journal.load('a', [joined('old')]);
    journal.load('empty', []);
    await journal.durable();
    await nextTurn();
    expect(store.calls).toHaveLength(0);
    journal.append('a', [joined('new')]);
    await journal.durable();
    expect(store.calls).toEqual([[{ eventId: 'a', entries: [joined('new')] }]]);
    expect(journal.read('a')).toEqual([joined('old'), joined('new')]);
    expect(journal.eventIds()).toEqual(['a']);
    journal.drop('a');
    expect(journal.eventIds()).toEqual([]);
    expect(journal.read('a')).toEqual([]);
  });
});

describe('DurableJournal: failures', () => {
  it('retries the same batches under the same write id while the store fails: stalled, durable() pending, then done; later appends wait for the next write', async () => {
    const store = new SpyStore();
    const third = gate();
    store.gates.push(undefined, undefined, third);
    store.failures.push(new Error('connection refused'), new Error('connection refused'));
    const log = vi.fn();
    const journal = new DurableJournal(store, { retryMs: 1, log });
    journal.append('a', [joined('1'), joined('2')]);
    const done = track(journal.durable());

    await vi.waitFor(() => expect(store.calls).toHaveLength(3));
    expect(journal.stalled).toBe(true);
    journal.append('a', [joined('3')]);
    expect(journal.pendingEntries).toBe(3);
    expect(done.settled).toBe(false);

    third.open();
    await vi.waitFor(() => expect(done.settled).toBe(true));
    expect(done.error).toBeUndefined();
    expect(journal.stalled).toBe(false);
    await journal.durable();
    expect(store.calls.slice(0, 3)).toEqual(Array(3).fill([{ eventId: 'a', entries: [joined('1'), joined('2')] }]));
    expect(store.calls[3]).toEqual([{ eventId: 'a', entries: [joined('3')] }]);
    expect(store.writeIds).toEqual([1, 1, 1, 2]);
    expect(await store.read('a')).toEqual(['1', '2', '3'].map(joined));
    expect(log.mock.calls.map(([m]) => m)).toEqual([expect.stringContaining('connection refused'), 'journal writes resumed']);
  });

  it('when fenced: rejects the waiters with the FencedError, calls onFenced once and writes nothing more', async () => {
    const store = new SpyStore();
    const fenced = new FencedError('a');
    store.failures.push(fenced);
    const onFenced = vi.fn();
    const journal = new DurableJournal(store, { onFenced });
    journal.append('a', [joined('1')]);
    await expect(journal.durable()).rejects.toBe(fenced);
    expect(onFenced).toHaveBeenCalledExactlyOnceWith(fenced);

    journal.append('a', [joined('2')]);
    await expect(journal.durable()).rejects.toBe(fenced);
    await nextTurn();
    expect(store.calls).toHaveLength(1);
    expect(journal.read('a')).toEqual([joined('1'), joined('2')]);
    expect(journal.stalled).toBe(false);
  });

  it('close() stops the retries and rejects whoever waits', async () => {
    const store = new SpyStore();
    store.failures.push(...Array.from({ length: 1000 }, () => new Error('down')));
    const journal = new DurableJournal(store, { retryMs: 1 });
    journal.append('a', [joined('1')]);
    const waiting = journal.durable();
    await vi.waitFor(() => expect(store.calls.length).toBeGreaterThan(1));
    journal.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(journal.durable()).rejects.toThrow(/closed/);
    const calls = store.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.calls).toHaveLength(calls);
    expect(journal.stalled).toBe(false);
  });

  it('close() during a write in flight rejects its waiters', async () => {
    const store = new SpyStore();
    const held = gate();
    store.gates.push(held);
    const journal = new DurableJournal(store);
    journal.append('a', [joined('1')]);
    const waiting = journal.durable();
    await vi.waitFor(() => expect(store.calls).toHaveLength(1));
    journal.close();
    held.open();
    await expect(waiting).rejects.toThrow(/closed/);
  });

  it('closeAfterLastTry() tries a batch sleeping before its retry at once: refused by the fence, it says so', async () => {
    const store = new SpyStore();
    const fenced = new FencedError('a');
    store.failures.push(new Error('down'), fenced);
    const onFenced = vi.fn();
    // A retry an hour away: only the last try can write before that.
    const journal = new DurableJournal(store, { retryMs: 3_600_000, onFenced });
    journal.append('a', [joined('1')]);
    const waiting = journal.durable();
    await vi.waitFor(() => expect(journal.stalled).toBe(true));
    await journal.closeAfterLastTry();
    expect(store.calls).toHaveLength(2);
    expect(onFenced).toHaveBeenCalledExactlyOnceWith(fenced);
    await expect(waiting).rejects.toBe(fenced);
  });

  it('closeAfterLastTry() lands what is pending when the store takes it, then closes; a failure is not retried', async () => {
    const store = new SpyStore();
    const journal = new DurableJournal(store);
    journal.append('a', [joined('1')]);
    const landed = journal.durable();
    await journal.closeAfterLastTry();
    await landed;
    expect(await store.read('a')).toEqual([joined('1')]);
    await expect(journal.durable()).rejects.toThrow(/closed/);

    const failing = new SpyStore();
    failing.failures.push(new Error('down'), new Error('down'));
    const other = new DurableJournal(failing, { retryMs: 1 });
    other.append('a', [joined('1')]);
    const waiting = other.durable();
    await other.closeAfterLastTry();
    await expect(waiting).rejects.toThrow(/down/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failing.calls).toHaveLength(1);
  });
});
