/**
 * The EngineLink for a single process (tests, `--workers 0`): the host runs in
 * this process. Requests and results are cloned and everything is delivered
 * asynchronously, in the same order as over IPC, so code behaves the same on
 * either link.
 */
import { isBreakwaterError } from '../../../engine/src/index.js';
import type { EngineHost } from './engine-host.js';
import { checkWireRequest } from './wire-bounds.js';
import { asBreakwaterError } from './wire-error.js';
import type { BroadcastListener, EngineLink, EngineRequest, ResultOf } from './types.js';

export class InProcessEngineLink implements EngineLink {
  private readonly listeners = new Set<BroadcastListener>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly host: EngineHost) {
    this.unsubscribe = host.subscribe((broadcast) => {
      const copy = structuredClone(broadcast);
      queueMicrotask(() => {
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
      return Promise.resolve(structuredClone(this.host.handle(structuredClone(request))));
    } catch (err) {
      return Promise.reject(isBreakwaterError(err) ? err : asBreakwaterError(err));
    }
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
