/**
 * One round of the robustness fuzz, the same for `npm test` (a few bounded
 * rounds) and `npm run fuzz -- --minutes N` (rounds until the time is up):
 * hostile fan frames and hostile HTTP requests at once, from many client
 * addresses, then the checks — no process died or was replaced, the gateway
 * is ready, no request met a bug (a 500), and every honest fan kept its
 * connection, its updates and its place.
 */
import { FanClient } from '../helpers/fan-client.js';
import { hostileFrame, type FrameKind } from './frames.js';
import type { HonestCrowd } from './honest-fans.js';
import type { Product } from './product.js';
import { PRODUCT_SECRETS } from './product.js';
import { rawRequest } from './raw-http.js';
import { hostileRequest } from './requests.js';
import { Random } from './random.js';

export interface RoundPlan {
  seed: number;
  /** Hostile frames, spread over `sockets` attacker connections. */
  frames: number;
  sockets: number;
  /** Hostile HTTP requests, `concurrency` at a time. */
  requests: number;
  concurrency: number;
}

export interface RoundReport {
  seed: number;
  frames: number;
  framesByKind: Partial<Record<FrameKind, number>>;
  /** Attacker connections the gateway closed (floods, oversized frames): it may. */
  socketsClosed: number;
  requests: number;
  statuses: Record<string, number>;
}

/** The fuzz's own limits, as the product runs by default (gateway/src/config.ts). */
const MAX_PAYLOAD_BYTES = 16 * 1024;

/** A client address per attacker, far from the honest fans' 127.0.0.1, spread over many /24s. */
function attackerAddress(rng: Random): string {
  return `127.${50 + rng.int(100)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

async function attackSockets(product: Product, crowd: HonestCrowd, plan: RoundPlan, rng: Random, report: RoundReport): Promise<void> {
  const url = `ws://127.0.0.1:${product.port}/ws`;
  const perSocket = Math.ceil(plan.frames / plan.sockets);
  await Promise.all(Array.from({ length: plan.sockets }, async () => {
    let client: FanClient | undefined;
    for (let sent = 0; sent < perSocket && report.frames < plan.frames; sent++) {
      if (client === undefined || client.ws.readyState !== client.ws.OPEN) {
        if (client !== undefined) report.socketsClosed++;
        // The door may refuse an attacker's connection (429): it then tries from another address.
        client = await FanClient.connect(url, { localAddress: attackerAddress(rng), hello: rng.chance(0.8) }).catch(() => undefined);
        if (client === undefined) continue;
      }
      const kind = rng.pick(['random', 'truncated', 'typeConfused', 'typeConfused', 'oversized', 'deep', 'text', 'wellFormed'] as const);
      client.sendRaw(hostileFrame(rng, { eventId: crowd.eventId, maxPayloadBytes: MAX_PAYLOAD_BYTES }, kind));
      report.frames++;
      report.framesByKind[kind] = (report.framesByKind[kind] ?? 0) + 1;
      // Let the socket drain now and then, so the frames arrive spread out rather than in one burst.
      if (sent % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    await client?.close();
  }));
}

async function attackHttp(product: Product, crowd: HonestCrowd, plan: RoundPlan, rng: Random, report: RoundReport, bugs: string[]): Promise<void> {
  const context = { eventId: crowd.eventId, apiKey: PRODUCT_SECRETS.apiKey, webhookSecret: PRODUCT_SECRETS.webhookSecret };
  let next = 0;
  await Promise.all(Array.from({ length: plan.concurrency }, async () => {
    while (next < plan.requests) {
      next++;
      const request = hostileRequest(rng, context);
      const response = await rawRequest(product.port, { ...request, localAddress: attackerAddress(rng) });
      report.requests++;
      const outcome = response.statuses.length === 0 ? (response.closedByServer ? 'closed' : 'no answer') : response.statuses.join('+');
      report.statuses[outcome] = (report.statuses[outcome] ?? 0) + 1;
      if (response.statuses.includes(500)) bugs.push(`${request.label}: ${response.text.slice(0, 300)}`);
    }
  }));
}

/** Runs one round; throws with everything known when a check fails. */
export async function runRound(product: Product, crowd: HonestCrowd, plan: RoundPlan): Promise<RoundReport> {
  const rng = new Random(plan.seed);
  const workersBefore = product.workerPids().sort();
  const report: RoundReport = { seed: plan.seed, frames: 0, framesByKind: {}, socketsClosed: 0, requests: 0, statuses: {} };
  const bugs: string[] = [];
  await Promise.all([attackSockets(product, crowd, plan, rng, report), attackHttp(product, crowd, plan, rng, report, bugs)]);

  const fail = (what: string): never => {
    throw new Error(`robustness round (seed ${plan.seed}): ${what}\nreport: ${JSON.stringify(report)}\noutput:\n${product.output().slice(-4000)}`);
  };
  if (product.engine.exitCode !== null || product.engine.signalCode !== null) fail('the engine process died');
  const workersAfter = product.workerPids().sort();
  if (workersAfter.join() !== workersBefore.join()) fail(`gateway workers died or were replaced: ${workersBefore.join()} → ${workersAfter.join()}`);
  if (bugs.length > 0) fail(`requests met a bug (500):\n${bugs.slice(0, 5).join('\n')}`);
  const ready = await fetch(`http://127.0.0.1:${product.port}/readyz`);
  if (ready.status !== 200) fail(`not ready: ${await ready.text()}`);
  await crowd.check().catch((err: Error) => fail(err.message));
  return report;
}
