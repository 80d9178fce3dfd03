/**
 * What a shard sends about one partition, in the order it was decided, and
 * only once the journal entries behind it are durable: nothing a fan is told
 * (a place, an admission, a hold, a purchase) can be lost by a crash.
 *
 * One subtlety, as on the IPC link: a reply must reach the gateway before a
 * broadcast decided after it (the join's reply binds the fan's socket; the
 * admission broadcast that follows needs it). Replies are sent by the code
 * awaiting `send`, in a microtask; so after a reply the next broadcast waits
 * for the next macrotask turn.
 */
import type { EngineBroadcast } from '../link/types.js';

interface Item {
  ready: Promise<unknown>;
  broadcasts: EngineBroadcast[];
  done: (error?: unknown) => void;
  replies: boolean;
}

export class Outbox {
  private readonly queue: Item[] = [];
  private pumping = false;
  /** Why nothing more is published (set by close): what everything still waiting is rejected with. */
  private closedBy: Error | undefined = undefined;

  constructor(
    private readonly publish: (broadcast: EngineBroadcast) => void,
    private readonly onPublishError: (err: unknown) => void,
  ) {}

  /**
   * Queues `broadcasts`; resolves once `ready` resolved and they (and all
   * queued before) were published. `replies`: the caller replies to a request
   * when it resolves. Rejects with `ready`'s error (then nothing is published).
   */
  send(ready: Promise<unknown>, broadcasts: EngineBroadcast[], replies: boolean): Promise<void> {
    // Its failure is reported through `send`'s promise; an item dropped by close() must not leave it unhandled.
    ready.catch(() => undefined);
    return new Promise((resolve, reject) => {
      this.queue.push({ ready, broadcasts, replies, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.pumping) void this.pump();
    });
  }

  /** Publishes nothing more; whatever waits is rejected with `reason`. */
  close(reason: Error): void {
    this.closedBy = reason;
    for (const item of this.queue.splice(0)) item.done(reason);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    let replied = false;
    while (this.queue.length > 0 && this.closedBy === undefined) {
      const item = this.queue[0]!;
      let error: unknown;
      try {
        await item.ready;
      } catch (err) {
        error = err ?? new Error('not durable');
      }
      if (this.closedBy !== undefined) break;
      this.queue.shift();
      if (error === undefined && item.broadcasts.length > 0) {
        if (replied) await new Promise((resolve) => setImmediate(resolve));
        replied = false;
        if (this.closedBy !== undefined) {
          // Closed while this item waited for its turn: it is told why, as everything still queued was (a retry finds the new owner).
          item.done(this.closedBy);
          break;
        }
        for (const broadcast of item.broadcasts) {
          try {
            this.publish(broadcast);
          } catch (err) {
            // NATS closed, or a message over its max_payload: one broadcast lost (the next tick catches fans up), never a stuck outbox.
            this.onPublishError(err);
          }
        }
      }
      item.done(error);
      replied ||= item.replies;
    }
    this.pumping = false;
  }
}
