/**
 * The report of a live run: the simulated mode's Report (same fields, from
 * what fans observed and the organizer API's final event state, and the
 * engine's invariant checks over the journal read back through the API) plus
 * `live`: latencies, connections and errors.
 */
import { botReport, natReport } from '../report/bots.js';
import { crowdTruthOf, engineInvariantsOf, paymentsOf, saleMomentsOf, type Report } from '../report/build.js';
import { fairness } from '../report/fairness.js';
import { percentiles } from '../report/stats.js';
import type { LiveRunOutput } from './driver.js';

export interface LiveReport extends Report {
  live: {
    url: string;
    eventId: string;
    timeScale: number;
    loadProcesses: number;
    realSec: number;
    joinLatencyMs: ReturnType<import('../../../gateway/bench/histogram.js').LatencyHistogram['summary']>;
    queueUpdateLatencyMs: ReturnType<import('../../../gateway/bench/histogram.js').LatencyHistogram['summary']>;
    connections: { opened: number; peakOpen: number };
    /**
     * `transport`: socket and HTTP failures as they happened; `retried`: requests sent again with the same key
     * after a retryable answer; `gaveUp`: requests a fan gave up on after every retry (by the last code).
     */
    errors: {
      total: number; transport: Record<string, number>; byCode: Record<string, number>; retried: Record<string, number>; gaveUp: Record<string, number>;
      /** With --expect-faults: the transport failures that are sockets a killed process dropped (or refused), not counted in `total`. */
      droppedByFaults: number;
    };
    /** What fans were told against the journal: both counts must be 0. */
    transit: LiveRunOutput['live']['transit'];
    ticketsToldPurchased: number;
    /** Turns heard after the fan asked to leave (the leave crossed them on the wire), and of those, leaves the journal lacks. */
    admittedAfterLeaving: number;
    leavesUnconfirmed: number;
    leavesUnconfirmedWhy: Record<string, number>;
    admittedNotWaiting: Record<string, number>;
    /** Organizer webhooks the driver's receiver heard (recalls and calls of fans who closed the page), and posts it refused. */
    organizerWebhooks: LiveRunOutput['live']['organizerWebhooks'];
    paymentOutcomesUnobserved: number;
    holdsSettledWithinSec: number | null;
    finalEvent: LiveRunOutput['live']['finalStatus'];
  };
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Codes the gateway answers that only a broken run produces (the rest are the sale answering the model: sold out, expired, …). */
/**
 * A socket a process dropped or refused as it died, or left silent (a
 * connection the dying or flooded server never accepted): the worker's
 * transport keys, expected when processes are killed on purpose.
 */
const DROPPED = /^(unexpected close|socket (E[A-Z]+|silent)|connect E[A-Z]+)$/;

const TRANSPORT_CODES = new Set(['BAD_FRAME', 'UNKNOWN_MESSAGE_TYPE', 'MALFORMED_COMMAND', 'HELLO_REQUIRED', 'RATE_LIMITED', 'PAYLOAD_TOO_LARGE', 'ENGINE_UNAVAILABLE', 'OVERLOADED', 'INTERNAL_ERROR', 'PROTOCOL_VERSION', 'SESSION_REPLACED', 'FAN_ID_IN_USE', 'TOKEN_INVALID', 'IDEMPOTENCY_KEY_REUSED', 'CONNECT_FAILED', 'CONNECTION_LOST', 'HTTP_ERROR', 'NO_PAYMENT', 'NO_HOLD']);

/**
 * The load processes' transport failures that count against a run. With
 * `expectFaults`, a socket a killed process dropped or refused is expected
 * and only counted apart; anything else (a protocol error, a refused
 * upgrade, a close with a code, an HTTP failure) still counts.
 */
export function judgeTransport(transport: Record<string, number>, expectFaults: boolean): { failing: Record<string, number>; droppedByFaults: number } {
  const failing: Record<string, number> = {};
  let droppedByFaults = 0;
  for (const [what, n] of Object.entries(transport)) {
    if (expectFaults && DROPPED.test(what)) droppedByFaults += n;
    else failing[what] = n;
  }
  return { failing, droppedByFaults };
}

/**
 * `expectFaults`: processes behind the gateway's port are killed on purpose,
 * so the sockets they drop are reported apart; whether their fans got back is
 * judged by what they gave up on and by what they were told.
 */
export function buildLiveReport(run: LiveRunOutput, url: string, { expectFaults = false }: { expectFaults?: boolean } = {}): LiveReport {
  const { scenario: s, live, counters, seen } = run;
  const capacity = run.venue.gaTickets + run.venue.seats;
  const limit = s.event.maxTicketsPerFan;
  const final = live.finalStatus;
  const failures: string[] = [];

  // Invariants from what fans observed and the organizer API's final state.
  const purchasedByFan: Record<string, number> = {};
  const soldByTier: Record<string, number> = {};
  const transport: Record<string, number> = {};
  const retried: Record<string, number> = {};
  const gaveUp: Record<string, number> = {};
  let unobserved = 0;
  let opened = 0;
  let peakOpen = 0;
  for (const st of live.stats) {
    for (const [fan, n] of Object.entries(st.purchasedByFan)) purchasedByFan[fan] = (purchasedByFan[fan] ?? 0) + n;
    for (const [tier, n] of Object.entries(st.purchasedByTier)) soldByTier[tier] = (soldByTier[tier] ?? 0) + n;
    for (const [k, n] of Object.entries(st.transport)) transport[k] = (transport[k] ?? 0) + n;
    for (const [k, n] of Object.entries(st.retried)) retried[k] = (retried[k] ?? 0) + n;
    for (const [k, n] of Object.entries(st.gaveUp)) gaveUp[k] = (gaveUp[k] ?? 0) + n;
    unobserved += st.unobserved;
    opened += st.opened;
    peakOpen += st.peakOpen;
  }
  const told = Object.values(purchasedByFan).reduce((a, b) => a + b, 0);
  const overLimit = Object.entries(purchasedByFan).filter(([, n]) => n > limit);
  const oversold = Math.max(0, final.tickets.sold - capacity) + Math.max(0, told - capacity);
  if (final.tickets.sold > capacity) failures.push(`oversold: the gateway reports ${final.tickets.sold} tickets sold of ${capacity}`);
  if (told > capacity) failures.push(`oversold: fans were told they bought ${told} tickets of ${capacity}`);
  if (told > final.tickets.sold) failures.push(`fans were told they bought ${told} tickets, the gateway reports ${final.tickets.sold} sold`);
  if (overLimit.length > 0) failures.push(`per-fan limit exceeded by ${overLimit.length} fan(s) (first: ${overLimit[0]![0]} bought ${overLimit[0]![1]} > ${limit})`);
  if (final.holds.active > 0) failures.push(`unresolved holds at the end: ${final.holds.active} still active after the close and every window`);

  // Post-start admissions in join order: by the engine's admission instant, a later admission never has a lower number.
  const post = live.admissions.filter((a) => a.postStart && a.number > 0).sort((a, b) => a.admittedAt - b.admittedAt || a.number - b.number);
  const fair = fairness(Float64Array.from(post.map((a) => a.number)));
  if (fair.outOfOrderAdmissions > 0) failures.push(`out-of-order admissions of post-start arrivals: ${fair.outOfOrderAdmissions} (Kendall tau ${round(fair.kendallTau, 6)})`);
  if (counters.unexpectedAdmissions > 0) failures.push(`${counters.unexpectedAdmissions} fans admitted who were not waiting`);
  if (live.leavesUnconfirmed > 0) failures.push(`${live.leavesUnconfirmed} fans heard their turn after leaving, and the journal contradicts it: ${JSON.stringify(live.leavesUnconfirmedWhy)}; e.g. ${live.leavesUnconfirmedExamples.join('; ')}`);
  if (live.organizerWebhooks.refused > 0) failures.push(`${live.organizerWebhooks.refused} organizer webhooks refused (bad signature or body)`);

  const engineInvariants = engineInvariantsOf(run.engineViolations, failures);

  const byCode = { ...run.errors };
  const transportCodes = Object.entries(byCode).filter(([c]) => TRANSPORT_CODES.has(c));
  const { failing, droppedByFaults } = judgeTransport(transport, expectFaults);
  const transportTotal = Object.values(failing).reduce((a, b) => a + b, 0) + transportCodes.reduce((a, [, n]) => a + n, 0);
  if (transportTotal > 0) failures.push(`transport and protocol errors: ${JSON.stringify({ ...failing, ...Object.fromEntries(transportCodes) })}`);
  if (Object.keys(gaveUp).length > 0) failures.push(`fans gave up after every retry: ${JSON.stringify(gaveUp)}`);
  const { transit } = live;
  if (transit.toldButMissing > 0) failures.push(`${transit.toldButMissing} outcomes fans were told of are not in the journal: ${transit.examples.join('; ')}`);
  if (transit.happenedButUntold > 0) failures.push(`${transit.happenedButUntold} outcomes in the journal never reached their connected fan: ${transit.examples.join('; ')}`);

  const { ticketsBoughtAsTold: _t, unexpectedAdmissions: _u, ...behaviour } = counters;
  const simEvents = run.commands;
  return {
    scenario: s.name,
    description: s.description,
    seed: s.seed,
    driver: 'live',
    journal: 'remote',
    ok: failures.length === 0,
    failures,
    fans: s.fans,
    defences: s.defences,
    identity: s.identity,
    bots: botReport(run.door, run.arrivals.bots, final.tickets.sold, counters.botTickets),
    nat: natReport(run.door),
    registration: null,
    door: { slowLaneJoins: null, powRefusals: null },
    seats: capacity,
    ticketsSold: final.tickets.sold,
    oversold,
    perFanLimitViolations: overLimit.length,
    unresolvedHolds: final.holds.active,
    fairness: { ...fair, kendallTau: round(fair.kendallTau, 6) },
    ...saleMomentsOf(run.ledger, live.timeScale),
    ...crowdTruthOf(run, live.timeScale),
    fansToldSoldOutWithinSec: seen.soldOutEpisodes === 0 ? null : round(seen.toldSoldOutWithinMs / 1000),
    waitSec: percentiles(seen.waitSec.toArray()),
    waitFromStartSec: percentiles(seen.waitFromStartSec.toArray()),
    holdsExpired: final.holds.expired,
    readmittedFromExpiredHolds: 0,
    admitted: final.admitted,
    simSec: round(run.simEndMs / 1000, 1),
    simEvents,
    wallSec: round(run.timings.wallSec, 2),
    cpuSec: round(run.timings.cpuSec, 2),
    simEventsPerSec: Math.round(simEvents / Math.max(0.001, run.timings.simulateSec)),
    peakHeapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    peakRssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    journalEntries: run.journalEntries,
    arrivals: run.arrivals,
    behaviour: { ...behaviour, fansWaitingWhenToldSoldOut: seen.fansWaitingWhenToldSoldOut },
    payments: paymentsOf(run.payments, counters, s.payments, run.onSaleMs),
    journalShape: { entries: 0, joined: final.joined, preQueueLeaves: 0, leftByFans: counters.leftImpatient + counters.leftSoldOut, lostPresence: counters.lost, admitted: final.admitted },
    inventory: {
      gaTickets: run.venue.gaTickets, seats: run.venue.seats, soldByTier, seatsSold: soldByTier.seats ?? 0, ticketsExpired: 0, ticketsExpiredAfterPaying: 0,
      holdsReleased: final.holds.released, soldOutEpisodes: seen.soldOutEpisodes, reopened: 0,
    },
    engineInvariants,
    errors: byCode,
    timings: { setupSec: round(run.timings.setupSec, 2), simulateSec: round(run.timings.simulateSec, 2), checkSec: round(run.timings.checkSec, 2) },
    live: {
      url, eventId: live.eventId, timeScale: live.timeScale, loadProcesses: live.procs, realSec: round(live.realSec, 2),
      joinLatencyMs: live.joinHist.summary(),
      queueUpdateLatencyMs: live.updateHist.summary(),
      connections: { opened, peakOpen },
      errors: { total: transportTotal, transport, byCode, retried, gaveUp, droppedByFaults },
      transit,
      ticketsToldPurchased: told,
      admittedAfterLeaving: live.admittedAfterLeaving,
      leavesUnconfirmed: live.leavesUnconfirmed,
      leavesUnconfirmedWhy: live.leavesUnconfirmedWhy,
      admittedNotWaiting: live.admittedNotWaiting,
      organizerWebhooks: live.organizerWebhooks,
      paymentOutcomesUnobserved: unobserved,
      holdsSettledWithinSec: live.holdsSettledWithinSec === null ? null : round(live.holdsSettledWithinSec, 2),
      finalEvent: final,
    },
  };
}

/** The live part of the summary, printed after the simulated mode's. */
export function formatLive(r: LiveReport): string {
  const l = r.live;
  const h = (x: LiveReport['live']['joinLatencyMs']) => `p50 ${x.p50} ms, p90 ${x.p90} ms, p99 ${x.p99} ms, max ${x.max} ms (${x.count.toLocaleString('en-US')})`;
  return [
    `Live (${l.url}, event ${l.eventId}, time ×${l.timeScale}, ${l.loadProcesses} load processes, ${l.realSec} s real)`,
    `  join → joined ${h(l.joinLatencyMs)}`,
    `  queue update (server → fan) ${h(l.queueUpdateLatencyMs)}`,
    `  connections opened ${l.connections.opened}, peak open ${l.connections.peakOpen}; tickets fans were told they bought ${l.ticketsToldPurchased}; payment outcomes unseen ${l.paymentOutcomesUnobserved}`,
    `  errors: ${l.errors.total} transport/protocol ${JSON.stringify(l.errors.transport)}${l.errors.droppedByFaults > 0 ? ` (${l.errors.droppedByFaults} sockets dropped by the processes killed on purpose, not counted)` : ''}; gateway answers by code ${JSON.stringify(l.errors.byCode)}`,
    `  retried with the same key ${JSON.stringify(l.errors.retried)}; fans gave up after retries ${JSON.stringify(l.errors.gaveUp)}`,
    `  told but missing from the journal ${l.transit.toldButMissing}; in the journal but never told ${l.transit.happenedButUntold} (of them grants whose lapse alone was told ${l.transit.grantsToldOnlyLapsed})`,
    `  turns heard after leaving ${l.admittedAfterLeaving}, the journal not showing the leave ${JSON.stringify(l.leavesUnconfirmedWhy)}; admissions of fans not waiting ${JSON.stringify(l.admittedNotWaiting)}`,
    `  organizer webhooks heard ${JSON.stringify(l.organizerWebhooks.received)}, refused ${l.organizerWebhooks.refused}`,
    `  final event: ${l.finalEvent.phase}, sold ${l.finalEvent.tickets.sold}, holds ${JSON.stringify(l.finalEvent.holds)}`,
  ].join('\n');
}
