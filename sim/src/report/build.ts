import type { InvariantViolation } from '../../../engine/src/index.js';
import { botReport, natReport, type BotReport, type NatReport } from './bots.js';
import { fairness, type Fairness } from './fairness.js';
import type { FanCounters } from '../model/fan-model.js';
import { registrationFailures, type RegistrationReport } from '../drivers/registration-stage.js';
import type { FanPayments } from '../model/fan-payments.js';
import type { PaymentProvider } from '../model/payment-provider.js';
import type { PaymentSpec } from '../scenario/types.js';
import type { Ledger } from './ledger.js';
import type { RunOutput } from './run-output.js';
import { noTicketFigures, outlookFigures, type NoTicketFigures, type OutlookFigures } from './no-ticket.js';
import { percentiles, type Percentiles } from './stats.js';

export interface Report {
  scenario: string;
  description: string;
  seed: number;
  driver: string;
  /** Where the engine's journal was kept. */
  journal: string;
  ok: boolean;
  /** Every invariant or figure that broke, in words; empty when the run is clean. */
  failures: string[];
  fans: number;
  /** `on`: the scenario's door; `off`: no start-window draw, no budgets, no proof of work. */
  defences: 'on' | 'off';
  identity: 'anonymous' | 'verified';
  /** What the bot farm got against real fans. */
  bots: BotReport;
  /** Real fans behind the shared (NAT) address. */
  nat: NatReport;
  /** Registration before the presale and its draw (null without one): who registered, who was invited, who bought, how the draw treated the farm. */
  registration: RegistrationReport | null;
  /** The engine's own door figures: joins it gave a later readyAt (the slow lane), joins it refused for proof of work (null: not seen). */
  door: { slowLaneJoins: number | null; powRefusals: number | null };
  /** Tickets on sale: GA capacity plus reserved seats. */
  seats: number;
  ticketsSold: number;
  /** Seats sold twice, seats that do not exist, and tickets sold beyond a tier's capacity (from the journal). */
  oversold: number;
  perFanLimitViolations: number;
  unresolvedHolds: number;
  fairness: Fairness;
  /** When the engine declared the sale sold out (nothing free, no hold that can come back), from the start. */
  soldOutAtSec: number | null;
  /** When every ticket was first held or sold, from the start. */
  allTakenAtSec: number | null;
  /** When nothing was first free to sell (every ticket held, sold or promised to an open grant), from the start. */
  nothingFreeAtSec: number | null;
  fansToldSoldOutWithinSec: number | null;
  /** Fans who ended without a ticket: when they were told, how long they waited (sim/README.md). */
  noTicket: NoTicketFigures;
  /** Fans called from the waitlist and the tickets they bought (the report's own ledger). */
  waitlist: { called: number; ticketsSold: number };
  /** The ticket outlook shown once a place had its number, against what happened. */
  outlook: OutlookFigures;
  waitSec: Percentiles;
  waitFromStartSec: Percentiles;
  holdsExpired: number;
  readmittedFromExpiredHolds: number;
  admitted: number;
  /** Simulated time covered, from the pre-queue opening to the end of the run. */
  simSec: number;
  simEvents: number;
  wallSec: number;
  /** CPU seconds of this process (user + system, all threads): less sensitive to a busy machine than wall time. */
  cpuSec: number;
  simEventsPerSec: number;
  peakHeapMB: number;
  peakRssMB: number;
  journalEntries: number;
  arrivals: { preQueue: number; burst: number; tail: number; bots: number };
  behaviour: Record<string, number>;
  /** Every channel together (sums; latency over every answer; the busiest channel's peaks), then each channel (sim/README.md). */
  payments: ChannelFigures & {
    /** The event's `payments.pacing`. */
    pacing: 'adaptive' | 'off';
    /** Charges refunded: successes the sale refused (the hold ended, was bought, or waited on another payment). */
    refunds: number;
    /** Holds the sale kept two charges for: must be 0. */
    doubleCharges: number;
    /** Payments that waited in the sale's payment queue, and how long (seconds) until they started. */
    queued: number;
    queueWaitSec: Percentiles;
    /** A channel that went down (capacity 0): seconds after it did until 95 % of the payments sent went elsewhere (null: none went down, or never). */
    switchedWithinSec: number | null;
    channels: Array<ChannelFigures & { name: string }>;
  };
  /** Journal entries by what they mean for the invariant checker's cost. */
  journalShape: { entries: number; joined: number; preQueueLeaves: number; leftByFans: number; lostPresence: number; admitted: number };
  /** `ticketsExpiredAfterPaying`: of the expired tickets, those of holds a payment was started (or queued) for. */
  inventory: { gaTickets: number; seats: number; soldByTier: Record<string, number>; seatsSold: number; ticketsExpired: number; ticketsExpiredAfterPaying: number; holdsReleased: number; soldOutEpisodes: number; reopened: number };
  engineInvariants: { checked: boolean; violations: number; byInvariant: Record<string, number>; first: string | null };
  errors: Record<string, number>;
  timings: { setupSec: number; simulateSec: number; checkSec: number };
}

/** One payment channel's provider: what it was sent and how it answered; `capacityPerSec` at the end. */
export interface ChannelFigures {
  capacityPerSec: number;
  submitted: number;
  ok: number;
  declined: number;
  providerError: number;
  /** The checkout gave up; of those, `lateCharges` were charged all the same, later. */
  timeout: number;
  lateCharges: number;
  latencyMs: Percentiles;
  /** The recent arrival rate over the capacity, at its highest: above 1 the provider was driven past what it can take. */
  peakUtilisation: number;
  peakQueueSec: number;
}

/** Fields that depend on the machine, not on the scenario and seed. */
export const TIMING_FIELDS = ['wallSec', 'cpuSec', 'simEventsPerSec', 'peakHeapMB', 'peakRssMB', 'timings'] as const;

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The report's `engineInvariants` from checkInvariants' violations (undefined: not checked); each broken invariant is added to `failures`. */
export function engineInvariantsOf(violations: readonly InvariantViolation[] | undefined, failures: string[]): Report['engineInvariants'] {
  const byInvariant: Record<string, number> = {};
  for (const v of violations ?? []) byInvariant[v.invariant] = (byInvariant[v.invariant] ?? 0) + 1;
  for (const [invariant, count] of Object.entries(byInvariant)) {
    const first = violations!.find((v) => v.invariant === invariant)!;
    failures.push(`engine invariant ${invariant}: ${count} violation(s), first: ${first.message}`);
  }
  return { checked: violations !== undefined, violations: violations?.length ?? 0, byInvariant, first: violations?.[0]?.message ?? null };
}

/** When the sale sold out and when every ticket was taken, in seconds from the start; `timeScale` turns journal (engine) time into model time. */
export function saleMomentsOf(ledger: Ledger, timeScale = 1): Pick<Report, 'soldOutAtSec' | 'allTakenAtSec' | 'nothingFreeAtSec'> {
  const fromStart = (at: number | undefined) => (at === undefined ? null : round(((at - ledger.config.onSaleAt) * timeScale) / 1000));
  return { soldOutAtSec: fromStart(ledger.firstSoldOutAt), allTakenAtSec: fromStart(ledger.allTakenAt), nothingFreeAtSec: fromStart(ledger.nothingFreeAt) };
}

/** What fans were told and how long they waited for nothing; `timeScale` turns journal (engine) time into model time. */
export function crowdTruthOf(run: Pick<RunOutput, 'ledger' | 'fans' | 'onSaleMs' | 'simEndMs'>, timeScale = 1): Pick<Report, 'noTicket' | 'waitlist' | 'outlook'> {
  const { ledger } = run;
  const nothingFreeAt = ledger.nothingFreeAt === undefined ? undefined : run.onSaleMs + (ledger.nothingFreeAt - ledger.config.onSaleAt) * timeScale;
  return {
    noTicket: noTicketFigures(run.fans, nothingFreeAt, run.simEndMs),
    waitlist: { called: ledger.n.called, ticketsSold: ledger.n.ticketsSoldToCalled },
    outlook: outlookFigures(run.fans, nothingFreeAt),
  };
}

function channelFigures(p: PaymentProvider, latencies = p.latencyValues()): ChannelFigures {
  const { stats } = p;
  return {
    capacityPerSec: p.capacityPerSec, submitted: stats.submitted, ok: stats.ok, declined: stats.declined, providerError: stats.providerError,
    timeout: stats.timeout, lateCharges: stats.lateCharges, latencyMs: percentiles(latencies, 0),
    peakUtilisation: round(stats.peakUtilisation, 2), peakQueueSec: round(stats.peakQueueMs / 1000, 1),
  };
}

/** The payment side's figures, as both drivers report them. */
export function paymentsOf(payments: FanPayments, counters: FanCounters, spec: PaymentSpec, onSaleMs: number): Report['payments'] {
  const providers = payments.providers.list;
  const channels = providers.map((p) => ({ name: p.name, ...channelFigures(p) }));
  const sum = (field: 'capacityPerSec' | 'submitted' | 'ok' | 'declined' | 'providerError' | 'timeout' | 'lateCharges') => channels.reduce((total, c) => total + c[field], 0);
  const every = providers.map((p) => p.latencyValues());
  const latencies = new Float64Array(every.reduce((n, values) => n + values.length, 0));
  every.reduce((offset, values) => (latencies.set(values, offset), offset + values.length), 0);
  const down = payments.providers.changes(spec).find((c) => c.capacityPerSec === 0);
  return {
    capacityPerSec: sum('capacityPerSec'), submitted: sum('submitted'), ok: sum('ok'), declined: sum('declined'), providerError: sum('providerError'),
    timeout: sum('timeout'), lateCharges: sum('lateCharges'), latencyMs: percentiles(latencies, 0),
    peakUtilisation: Math.max(...channels.map((c) => c.peakUtilisation)), peakQueueSec: Math.max(...channels.map((c) => c.peakQueueSec)),
    pacing: spec.pacing,
    refunds: counters.refunds,
    doubleCharges: payments.doubleCharges,
    queued: payments.queued,
    queueWaitSec: payments.queueWaitSec(),
    switchedWithinSec: down === undefined ? null : payments.switchedWithinSec(down.provider.name, onSaleMs + down.atSec * 1000),
    channels,
  };
}

export function buildReport(run: RunOutput): Report {
  const { scenario: s, ledger, counters, seen } = run;
  const L = ledger.n;
  const fair = fairness(seen.admittedJoinSeq.toArray());
  const oversold = ledger.oversold();
  const unresolved = ledger.unresolvedHolds();
  const soldByTier = Object.fromEntries(ledger.config.inventory.tiers.map((t) => [t.id, ledger.soldInTier(t.id)]));
  const seatsSold = ledger.seatsSold();
  const simEvents = run.commands + run.ticks;
  const failures: string[] = [];

  if (oversold > 0) {
    failures.push(`oversold: ${oversold} (seats sold twice ${L.seatsSoldTwice}, unknown seats ${L.unknownSeats}, beyond tier capacity ${ledger.ticketsBeyondCapacity()})`);
  }
  if (L.perFanLimitViolations > 0) failures.push(`per-fan limit exceeded ${L.perFanLimitViolations} times (${ledger.firstViolation})`);
  if (unresolved > 0 || (run.engineState?.activeHolds ?? 0) > 0) {
    failures.push(`unresolved holds at the end: ${unresolved} in the journal, ${run.engineState?.activeHolds ?? '?'} in the engine`);
  }
  if (fair.outOfOrderAdmissions > 0) failures.push(`out-of-order admissions of places outside the draws: ${fair.outOfOrderAdmissions} (Kendall tau ${round(fair.kendallTau, 6)})`);
  if (L.seatsHeldTwice > 0 || L.holdEndedTwice > 0) failures.push(`journal: seats held twice ${L.seatsHeldTwice}, holds ended twice ${L.holdEndedTwice} (${ledger.firstViolation})`);
  const engineInvariants = engineInvariantsOf(run.engineViolations, failures);
  if (run.engineState !== undefined) {
    const e = run.engineState;
    if (e.ticketsSold !== L.ticketsSold) failures.push(`the engine counts ${e.ticketsSold} tickets sold, the journal ${L.ticketsSold}`);
    for (const [tier, sold] of Object.entries(soldByTier)) {
      if (e.soldByTier[tier] !== sold) failures.push(`tier ${tier}: the engine counts ${e.soldByTier[tier]} sold, the journal ${sold}`);
    }
    if (e.seatsSold !== seatsSold) failures.push(`the engine has ${e.seatsSold} seats sold, the journal ${seatsSold}`);
    const supply = ledger.supply();
    if (e.admitted !== supply.admitted || e.openGrants !== supply.openGrants || e.ticketsHeld !== supply.tickets.held) {
      failures.push(`the engine counts ${e.admitted} admitted and called, ${e.openGrants} open grants, ${e.ticketsHeld} tickets held; the journal ${supply.admitted}, ${supply.openGrants}, ${supply.tickets.held}`);
    }
  }
  if (counters.ticketsBoughtAsTold !== L.ticketsSold) {
    failures.push(`fans were told they bought ${counters.ticketsBoughtAsTold} tickets, the journal records ${L.ticketsSold}`);
  }
  if (counters.unexpectedAdmissions > 0) failures.push(`${counters.unexpectedAdmissions} fans admitted who were not waiting`);
  if (run.registration !== undefined) failures.push(...registrationFailures(run.registration));
  if (run.engineErrors.length > 0) failures.push(`the engine threw ${run.errors.ENGINE_ERROR ?? run.engineErrors.length} unexpected error(s): ${run.engineErrors[0]!.split('\n')[0]}`);

  const { ticketsBoughtAsTold: _told, unexpectedAdmissions: _u, ...behaviour } = counters;
  return {
    scenario: s.name,
    description: s.description,
    seed: s.seed,
    driver: run.driver,
    journal: run.journal,
    ok: failures.length === 0,
    failures,
    fans: s.fans,
    defences: s.defences,
    identity: s.identity,
    bots: botReport(run.door, run.arrivals.bots, L.ticketsSold, counters.botTickets),
    nat: natReport(run.door),
    registration: run.registration ?? null,
    door: { slowLaneJoins: run.engineState?.slowLaneJoins ?? null, powRefusals: run.engineState?.powRefusals ?? null },
    seats: run.venue.gaTickets + run.venue.seats,
    ticketsSold: L.ticketsSold,
    oversold,
    perFanLimitViolations: L.perFanLimitViolations,
    unresolvedHolds: unresolved,
    fairness: { ...fair, kendallTau: round(fair.kendallTau, 6) },
    ...saleMomentsOf(ledger),
    fansToldSoldOutWithinSec: seen.soldOutEpisodes === 0 ? null : round(seen.toldSoldOutWithinMs / 1000),
    ...crowdTruthOf(run),
    waitSec: percentiles(seen.waitSec.toArray()),
    waitFromStartSec: percentiles(seen.waitFromStartSec.toArray()),
    holdsExpired: L.holdsExpired,
    readmittedFromExpiredHolds: L.readmittedFromExpiredHolds,
    admitted: L.admitted,
    simSec: round(run.simEndMs / 1000, 1),
    simEvents,
    wallSec: round(run.timings.wallSec, 2),
    cpuSec: round(run.timings.cpuSec, 2),
    simEventsPerSec: Math.round(simEvents / run.timings.simulateSec),
    peakHeapMB: Math.round(run.memory.heapMB),
    peakRssMB: Math.round(run.memory.rssMB),
    journalEntries: run.journalEntries,
    arrivals: run.arrivals,
    journalShape: { entries: L.entries, joined: L.joined, preQueueLeaves: L.preQueueLeaves, leftByFans: L.leftByFans, lostPresence: L.lostPresence, admitted: L.admitted },
    behaviour: { ...behaviour, fansWaitingWhenToldSoldOut: seen.fansWaitingWhenToldSoldOut },
    payments: paymentsOf(run.payments, counters, s.payments, run.onSaleMs),
    inventory: {
      gaTickets: run.venue.gaTickets,
      seats: run.venue.seats,
      soldByTier,
      seatsSold,
      ticketsExpired: L.ticketsExpired,
      ticketsExpiredAfterPaying: L.ticketsExpiredAfterPaying,
      holdsReleased: L.holdsReleased,
      soldOutEpisodes: L.soldOutEntries,
      reopened: L.reopened,
    },
    engineInvariants,
    errors: run.errors,
    timings: {
      setupSec: round(run.timings.setupSec, 2),
      simulateSec: round(run.timings.simulateSec, 2),
      checkSec: round(run.timings.checkSec, 2),
    },
  };
}

/** The report without what depends on the machine: equal for equal scenario and seed. */
export function withoutTimings(report: Report): Omit<Report, (typeof TIMING_FIELDS)[number]> {
  const copy: Record<string, unknown> = { ...report };
  for (const field of TIMING_FIELDS) delete copy[field];
  return copy as Omit<Report, (typeof TIMING_FIELDS)[number]>;
}
