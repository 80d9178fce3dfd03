/**
 * What counting costs on a gateway's hot paths (`node --import tsx
 * gateway/bench/metrics-cost.ts`): a prom-client increment, a labelled one
 * and a histogram observation against a plain `n++`, medians of 5 runs of
 * 20 M; and reading /proc/self/fd (prom-client's process_open_fds, left out
 * for it) with as many descriptors open as a busy worker has sockets.
 */
import { closeSync, openSync, readdirSync } from 'node:fs';
import { Counter, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../src/metrics/gateway-metrics.js';

const N = 20_000_000;
const registers = [new Registry()];
const counter = new Counter({ name: 'c_total', help: 'c', registers });
const labelled = new Counter({ name: 'l_total', help: 'l', labelNames: ['reason'], registers });
const histogram = new Histogram({ name: 'h_seconds', help: 'h', buckets: LATENCY_BUCKETS, registers });
const plain = { n: 0 };

function median(runs: number[]): number {
  return [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

function nsPerOp(name: string, loop: () => void): void {
  const runs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const started = process.hrtime.bigint();
    loop();
    runs.push(Number(process.hrtime.bigint() - started) / N);
  }
  console.log(`${name.padEnd(28)} ${median(runs).toFixed(1)} ns`);
}

nsPerOp('n++', () => {
  for (let i = 0; i < N; i++) plain.n++;
});
nsPerOp('counter.inc()', () => {
  for (let i = 0; i < N; i++) counter.inc();
});
nsPerOp('counter.inc({ reason })', () => {
  for (let i = 0; i < N; i++) labelled.inc({ reason: 'rateLimited' });
});
nsPerOp('histogram.observe(s)', () => {
  for (let i = 0; i < N; i++) histogram.observe((i % 1000) / 100_000);
});

for (const open of [1_000, 5_000, 19_000]) {
  const fds = Array.from({ length: open }, () => openSync('/dev/null', 'r'));
  const runs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const started = process.hrtime.bigint();
    readdirSync('/proc/self/fd');
    runs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  for (const fd of fds) closeSync(fd);
  console.log(`readdir /proc/self/fd, ${String(open).padStart(6)} fds: ${median(runs).toFixed(2)} ms`);
}
