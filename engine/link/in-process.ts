/**
 * The EngineLink for a single process (tests, `--workers 0`): the host runs in
 * this process. Requests and results are cloned and everything is delivered
 * asynchronously, in the same order as over IPC, so code behaves the same on
 * either link.
 */
import { isBreakwaterError } from '../src/index.js';
import type { EngineHost } from '../host/engine-host.js';
import { checkWireRequest } from './wire-bounds.js';
import { asBreakwaterError } from './wire-error.js';
import type { DurableGate } from './ipc.js';
import type { BroadcastListener, EngineLink, EngineRequest, ResultOf } from './types.js';

export class InProcessEngineLink implements EngineLink {
  private readonly listeners = new Set<BroadcastListener>();
  private readonly unsubscribe: () => void;
  private closed = false;

  /** `gate`: with a durable journal, what resolves once everything decided so far is durable; every result and broadcast waits for it. */
  constructor(private readonly host: EngineHost, private readonly gate?: DurableGate) {
    this.unsubscribe = host.subscribe((broadcast) => {
      const copy = structuredClone(broadcast);
      this.after(() => {
        for (const listener of this.listeners) {
          try {
            listener(copy);
          } catch (err) {
            console.error(`engine link listener failed: ${(err as Error)?.stack ?? String(err)}`);
          }
        }
      });
    });
  }

  get connected(): boolean {
    return !this.closed;
  }

  execute<R extends EngineRequest>(request: R): Promise<ResultOf<R>> {
    try {
      checkWireRequest(request);
      const result = structuredClone(this.host.handle(structuredClone(request)));
      return this.gate === undefined ? Promise.resolve(result) : this.gate().then(() => result);
    } catch (err) {
      const error = isBreakwaterError(err) ? err : asBreakwaterError(err);
      return this.gate === undefined ? Promise.reject(error) : this.gate().then(() => Promise.reject(error));
    }
  }

  /** Runs `deliver` after the current task, and after the gate when there is one (in order: gates resolve in the order they were asked). */
  private after(deliver: () => void): void {
    if (this.gate === undefined) queueMicrotask(deliver);
    else this.gate().then(deliver, () => undefined);
  }

  subscribe(listener: BroadcastListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    this.listeners.clear();
  }
}
