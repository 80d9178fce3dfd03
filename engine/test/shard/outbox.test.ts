import { describe, expect, it } from 'vitest';
import { Outbox } from '../../shard/outbox.js';
import type { EngineBroadcast } from '../../link/types.js';
import { DEFAULT_EVENT_SETTINGS } from '../../host/event-settings.js';

const settings = (eventId: string): EngineBroadcast => ({ type: 'settings', eventId, settings: DEFAULT_EVENT_SETTINGS });
const idOf = (b: EngineBroadcast) => (b.type === 'settings' ? b.eventId : b.type);

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('the shard outbox', () => {
  it('publishes nothing before its entries are durable, and everything in decision order', async () => {
    const published: string[] = [];
    const outbox = new Outbox((b) => published.push(idOf(b)), () => undefined);
    const first = deferred();
    const second = deferred();
    const a = outbox.send(first.promise, [settings('a')], false);
    const b = outbox.send(second.promise, [settings('b')], false);
    second.resolve(); // durable first, but decided second: it still waits for a
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(published).toEqual([]);
    first.resolve();
    await Promise.all([a, b]);
    expect(published).toEqual(['a', 'b']);
  });

  it('lets the code awaiting a reply run before a broadcast decided after it', async () => {
    const order: string[] = [];
    const outbox = new Outbox((b) => order.push(`broadcast ${idOf(b)}`), () => undefined);
    const reply = outbox.send(Promise.resolve(), [], true).then(() => {
      // The reply's continuation, several microtasks deep, as a NATS reply is.
      return Promise.resolve().then(() => Promise.resolve()).then(() => order.push('reply'));
    });
    const tick = outbox.send(Promise.resolve(), [settings('admitted')], false);
    await Promise.all([reply, tick]);
    expect(order).toEqual(['reply', 'broadcast admitted']);
  });

  it('publishes nothing of an item whose entries could not be made durable, and says why', async () => {
    const published: string[] = [];
    const outbox = new Outbox((b) => published.push(idOf(b)), () => undefined);
    const fenced = new Error('fenced');
    await expect(outbox.send(Promise.reject(fenced), [settings('lost')], true)).rejects.toBe(fenced);
    await outbox.send(Promise.resolve(), [settings('next')], false);
    expect(published).toEqual(['next']);
  });

  it('survives a publish that throws, and reports it', async () => {
    const errors: unknown[] = [];
    const published: string[] = [];
    const outbox = new Outbox((b) => {
      if (idOf(b) === 'too-big') throw new Error('MAX_PAYLOAD_EXCEEDED');
      published.push(idOf(b));
    }, (err) => errors.push(err));
    await outbox.send(Promise.resolve(), [settings('too-big'), settings('fine')], false);
    await outbox.send(Promise.resolve(), [settings('later')], false);
    expect(published).toEqual(['fine', 'later']);
    expect(errors).toHaveLength(1);
  });

  it('rejects an item closed on while it waited for the next turn with the reason given, not a bare error', async () => {
    const published: string[] = [];
    const outbox = new Outbox((b) => published.push(idOf(b)), () => undefined);
    const reason = new Error('the shard gave this partition up');
    const replied = outbox.send(Promise.resolve(), [], true);
    // Decided after a reply: its broadcast waits for the next macrotask turn, and the partition is given up meanwhile.
    const next = outbox.send(Promise.resolve(), [settings('late')], false);
    await replied;
    // A few microtasks, no macrotask: the outbox has taken the item and waits for the next turn.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    outbox.close(reason);
    await expect(next).rejects.toBe(reason);
    expect(published).toEqual([]);
  });

  it('on close, rejects what waits and leaves no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const published: string[] = [];
      const outbox = new Outbox((b) => published.push(idOf(b)), () => undefined);
      const never = deferred();
      const waiting = outbox.send(never.promise, [settings('x')], true);
      const behind = outbox.send(Promise.reject(new Error('journal closed')), [settings('y')], false);
      outbox.close(new Error('handed over'));
      await expect(waiting).rejects.toThrow('handed over');
      await expect(behind).rejects.toThrow('handed over');
      never.reject(new Error('journal closed'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(published).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
