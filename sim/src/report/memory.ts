import { Worker } from 'node:worker_threads';

/** Polls the process's resident set every 50 ms from a thread of its own, so the peak is seen even inside a long call. */
const RSS_SAMPLER = `
const { workerData } = require('node:worker_threads');
const peak = new Int32Array(workerData);
const poll = () => { const mb = Math.round(process.memoryUsage.rss() / 1e6); if (mb > peak[0]) peak[0] = mb; };
poll();
setInterval(poll, 50);
`;

/**
 * Peak memory. The JS heap plus typed-array buffers (which live outside the
 * heap: the engine's and the simulator's columns) is sampled on the main
 * thread between steps; the process's resident set is polled by a small
 * worker thread (which itself adds ~10 MB), so a peak inside the invariant
 * check, which runs as one long call, is not missed.
 */
export class MemoryPeak {
  heapMB = 0;
  private mainRssMB = 0;
  private last = -Infinity;
  private readonly shared = new Int32Array(new SharedArrayBuffer(4));
  private worker: Worker | undefined;

  constructor(watchRss = true) {
    if (!watchRss) return;
    this.worker = new Worker(RSS_SAMPLER, { eval: true, workerData: this.shared.buffer });
    this.worker.unref();
  }

  get rssMB(): number {
    return Math.max(this.mainRssMB, this.shared[0]!);
  }

  /** Samples at most every `everyMs` of wall time (process.memoryUsage walks the heap's spaces: ~50 µs). */
  maybeSample(everyMs = 100): void {
    const now = performance.now();
    if (now - this.last < everyMs) return;
    this.last = now;
    this.sample();
  }

  sample(): void {
    const m = process.memoryUsage();
    const heap = (m.heapUsed + m.external) / 1e6;
    const rss = m.rss / 1e6;
    if (heap > this.heapMB) this.heapMB = heap;
    if (rss > this.mainRssMB) this.mainRssMB = rss;
  }

  /** Stops the sampler thread; the figures keep their last values. */
  stop(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
