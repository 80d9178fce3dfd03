import type { Report } from './build.js';

const num = (x: number): string => x.toLocaleString('en-US');
const pct = (part: number, whole: number): string => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`);
const secs = (x: number | null): string => (x === null ? '–' : x < 120 ? `${x.toFixed(1)} s` : `${(x / 60).toFixed(1)} min`);
const share = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const times = (x: number | null): string => (x === null ? '–' : `${x}×`);

/** The readable summary of a run. */
export function formatReport(r: Report): string {
  const b = r.behaviour;
  const p = r.payments;
  const bots = r.bots;
  const lines = [
    `Breakwater simulation: ${r.scenario} (seed ${r.seed}, ${r.driver}, ${r.journal} journal)`,
    `  ${r.description}`,
    '',
    'Crowd',
    `  fans ${num(r.fans)} (bots ${num(bots.arrivals)}): pre-queue ${num(r.arrivals.preQueue)}, burst ${num(r.arrivals.burst)}, tail ${num(r.arrivals.tail)}`,
    `  gave up waiting ${num(b.leftImpatient!)}, left when told sold out ${num(b.leftSoldOut!)}, lost the place offline ${num(b.lost!)} (rejoined ${num(b.rejoins!)})`,
    `  connection drops ${num(b.drops!)}, reconnects ${num(b.reconnects!)}, never came back ${num(b.neverReturned!)}`,
    '',
    'Sale',
    `  tickets ${num(r.seats)}: sold ${num(r.ticketsSold)} (${pct(r.ticketsSold, r.seats)}), bots bought ${num(b.botTickets!)}`,
    `  every ticket held or sold ${secs(r.allTakenAtSec)} after the start; sold out (nothing can come back) at ${secs(r.soldOutAtSec)}`,
    `  waiting fans told within ${secs(r.fansToldSoldOutWithinSec)}` +
      ` (${r.inventory.soldOutEpisodes} sell-out(s), reopened ${r.inventory.reopened}×)`,
    `  admitted ${num(r.admitted)} (bots ${num(b.botsAdmitted!)}); wait join → admission p50 ${secs(r.waitSec.p50)}, p90 ${secs(r.waitSec.p90)}, p99 ${secs(r.waitSec.p99)}`,
    `  from the start (pre-queue fans) p50 ${secs(r.waitFromStartSec.p50)}, p90 ${secs(r.waitFromStartSec.p90)}, p99 ${secs(r.waitFromStartSec.p99)}`,
    `  holds ${num(b.holdsPlaced!)}: expired ${num(r.holdsExpired)} (${num(r.inventory.ticketsExpired)} tickets, ${num(r.readmittedFromExpiredHolds)} resold to other fans), released ${num(r.inventory.holdsReleased)}`,
    `  grants unused ${num(b.ignoredGrants! + b.grantsLapsedOffline!)}, fans who found nothing left ${num(b.gotNothing!)}`,
    '',
    'Told the truth',
    `  no ticket ${num(r.noTicket.fans)} fans: told after nothing was free p50 ${secs(r.noTicket.toldAfterAllTakenSec.p50)}, p95 ${secs(r.noTicket.toldAfterAllTakenSec.p95)}; ${num(r.noTicket.fanMinutesWaited)} fan-minutes in line (${num(r.noTicket.fanMinutesAfterMayClose)} after the page said they may close it)`,
    `  waitlisted ${num(b.waitlisted!)}, called ${num(r.waitlist.called)} (answered ${num(b.callsAnswered!)}, missed ${num(b.callsMissed!)}), bought ${num(r.waitlist.ticketsSold)} tickets`,
    `  outlook "unlikely" ${num(r.outlook.unlikely.shown)} (left on it ${num(r.outlook.unlikely.leftOnIt)}), right ${share(r.outlook.unlikely.right)}; "likely" ${num(r.outlook.likely.shown)}, right ${share(r.outlook.likely.right)}`,
    '',
    ...registrationLines(r),
    `Door (defences ${r.defences}, ${r.identity} identities)`,
    `  bots: ${num(bots.accounts)} accounts with a place, ${share(bots.identityShare)} of accounts; ${share(bots.ticketShare)} of tickets; places per account ${bots.placesPerAccount ?? '–'}`,
    `  fairness ratio ${bots.fairnessRatio ?? '–'}, from the queue numbers alone ${bots.drawRatio ?? '–'} (bots' share of places admitted ÷ their share of accounts that tried by the end of the start window: ` +
      `${num(bots.cohort.botAccounts)} bot and ${num(bots.cohort.fanAccounts)} fan accounts)`,
    `  tickets per buying account: bots ${bots.ticketsPerBuyer ?? '–'}, fans ${bots.fanTicketsPerBuyer ?? '–'} (a bot account out-buys a fan ${times(bots.outBuys)})`,
    `  proofs of work: bots ${num(bots.powSolves)} (${bots.hashesSpent.toExponential(2)} hashes), fans ${num(bots.fanPowSolves)}; the engine refused ${r.door.powRefusals ?? '–'} joins for proof of work and slow-laned ${r.door.slowLaneJoins ?? '–'}`,
    `  behind the shared address: ${num(r.nat.placed)} of ${num(r.nat.fans)} fans got a place, ${num(r.nat.delayedJoins)} delayed; extra delay p95 ${secs(r.nat.p95DelaySec)}, max ${secs(r.nat.maxDelaySec)};` +
      ` their share of real fans admitted ÷ their share of real fans who tried by the end of the start window ${r.nat.admittedRatio ?? '–'}`,
    '',
    'Payments',
    `  provider ${num(p.capacityPerSec)}/s at the end: ${num(p.submitted)} sent, ${num(p.ok)} ok, ${num(p.declined)} declined, ${num(p.providerError)} provider errors, ${num(p.timeout)} timeouts, ${num(p.refunds)} refunds`,
    `  latency p50 ${num(p.latencyMs.p50)} ms, p90 ${num(p.latencyMs.p90)} ms, p99 ${num(p.latencyMs.p99)} ms; peak utilisation ${p.peakUtilisation}, peak queue ${p.peakQueueSec} s`,
    '',
    'Checks',
    `  oversold ${r.oversold}, per-fan limit violations ${r.perFanLimitViolations}, unresolved holds ${r.unresolvedHolds}`,
    `  fairness outside the draws (first come, first served): ${num(r.fairness.admitted)} admitted, ${r.fairness.outOfOrderAdmissions} out of order, Kendall tau ${r.fairness.kendallTau}`,
    `  engine invariants (checkInvariants over ${num(r.journalEntries)} journal entries): ${r.engineInvariants.checked ? (r.engineInvariants.violations === 0 ? 'all hold' : `${r.engineInvariants.violations} violations`) : 'not checked'}`,
    '',
    'Run',
    `  simulated ${secs(r.simSec)} in ${r.wallSec} s wall, ${r.cpuSec} s cpu (setup ${r.timings.setupSec} s, simulation ${r.timings.simulateSec} s, invariant check ${r.timings.checkSec} s)`,
    `  ${num(r.simEvents)} engine commands and ticks, ${num(r.simEventsPerSec)}/s; peak heap ${num(r.peakHeapMB)} MB, peak RSS ${num(r.peakRssMB)} MB`,
    '',
    r.ok ? 'OK: every invariant holds.' : `FAILED:\n${r.failures.map((f) => `  - ${f}`).join('\n')}`,
  ];
  return lines.join('\n');
}

/** The registration before the presale and its draw, when the scenario has one. */
function registrationLines(r: Report): string[] {
  const g = r.registration;
  if (g === null) return [];
  return [
    'Registration',
    `  registered ${num(g.registered)} accounts (${num(g.fanAccounts)} fans, ${num(g.botAccounts)} the farm's); the draw invited ${num(g.invitations)} = ⌈${num(g.seats)} tickets ÷ (share × tickets per buyer)⌉: ${num(g.invitedFans)} fans, ${num(g.invitedBots)} bots`,
    `  the farm's invitations ÷ its share of the registrations ${g.botInvitationRatio ?? '–'} (a fair draw gives it ${g.botInvitationsExpected} ± ${g.botInvitationsSd})`,
    `  invitees who joined ${num(g.inviteesJoined)}, who bought ${num(g.inviteesBought)} (invited later from the waitlist: ${num(g.invitedNext)}, of whom bought ${num(g.lateInviteesBought)}); tickets sold in the presale ${num(g.ticketsSoldInPresale)}`,
    '',
  ];
}
