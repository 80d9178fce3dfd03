import { checkInvariants, Engine, MemoryJournal, SimulatedClock, type JournalEntry, type SaleEvent, type SyncJournal } from '../../../engine/src/index.js';
import { FanModel } from '../model/fan-model.js';
import { fanIdOf, fanOf } from '../model/fan-table.js';
import { Doorway } from '../model/doorway.js';
import { setUpSale } from '../model/sale-setup.js';
import { Ledger } from '../report/ledger.js';
import { MemoryPeak } from '../report/memory.js';
import type { Progress } from '../report/progress.js';
import type { RunOutput } from '../report/run-output.js';
import { Series } from '../report/series.js';
import { doorTimesOf, EPOCH_MS, eventConfigOf, registrationTimes } from '../scenario/event-config.js';
import type { Scenario } from '../scenario/types.js';
import { CompactJournal } from './compact-journal.js';
import { InProcessCommands } from './in-process-commands.js';
import { RegistrationStage } from './registration-stage.js';
import { aesSeedVault } from '../../../engine/stores/seed-vault.js';

/** The simulated deployment's secret: the simulator is the engine's host, and seals draw seeds as a real one does. */
export const SIM_SEEDS = aesSeedVault('breakwater simulator');

export interface InProcessOptions {
  progress?: Progress;
  /** Send every fan command through Engine.execute (parsing untrusted input) instead of calling the SaleEvent. */
  viaExecute?: boolean;
  /** Where the engine's journal lives: the engine's MemoryJournal, or the simulator's compact store (default). */
  journal?: 'memory' | 'compact';
  /** Called with the sale before the run starts (tests use it to break the engine on purpose). */
  onSale?: (sale: SaleEvent, engine: Engine) => void;
}

const EVENT_ID = 'sim';

/**
 * Runs a scenario against an Engine in this process on a SimulatedClock.
 * Commands happen at their exact simulated instant; the engine is ticked
 * every `tickMs` like the gateway does. Journal entries reach the report's
 * ledger and the fans (admissions, lost places, sold out) when the engine
 * flushes them — at the next tick for direct calls — and fans hear them one
 * tick later (the gateway's broadcast).
 */
export function runInProcess(s: Scenario, options: InProcessOptions = {}): RunOutput {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const memory = new MemoryPeak();
  // The sale is played in a function of its own so that, once it returns, the engine and the
  // simulation's agenda are garbage: the check replays the journal without them alongside.
  const { played, store } = playSale(s, options, memory);
  // With --expose-gc (npm run sim), collect them now rather than when the check's own allocations push the heap up.
  (globalThis as { gc?: () => void }).gc?.();

  const checkStart = performance.now();
  const journal = store.read(EVENT_ID);
  const engineViolations = checkInvariants(journal, { requireAllHoldsEnded: true });
  memory.sample();
  memory.stop();
  const checkSec = (performance.now() - checkStart) / 1000;
  const { setupSec, simulateSec } = played.timings;
  return {
    ...played,
    engineViolations,
    timings: { setupSec, simulateSec, checkSec, wallSec: (performance.now() - wallStart) / 1000, cpuSec: cpuSecondsSince(cpuStart) },
  };
}

/** What playing the sale leaves for the check and the report: the run's figures, and the journal's store. */
interface PlayedSale {
  played: Omit<RunOutput, 'engineViolations' | 'timings'> & { timings: { setupSec: number; simulateSec: number } };
  store: SyncJournal;
}

function playSale(s: Scenario, options: InProcessOptions, memory: MemoryPeak): PlayedSale {
  const wallStart = performance.now();
  const { rng, times, venue, arrivals, fans, farm, agenda, providers } = setUpSale(s);
  // With registration the event exists, published, from the day registration opens.
  const clock = new SimulatedClock(EPOCH_MS + Math.min(0, registrationTimes(s)?.opensMs ?? 0));
  const engineRng = rng.fork('engine');
  const journalStore = options.journal === 'memory' ? new MemoryJournal() : new CompactJournal();
  const engine = new Engine({ clock, randomBytes: (n) => engineRng.bytes(n), seeds: SIM_SEEDS, journal: journalStore });
  const now = () => clock.now() - EPOCH_MS;
  const doorway = new Doorway(fans, farm, s.crowd.hashesPerSec, doorTimesOf(s, times));
  const model = new FanModel(s, venue, fans, agenda, rng.fork('fans'), providers, now, times.onSaleMs, times.closesMs, doorway);
  const ledger = new Ledger();
  const broadcastMs = s.tickMs;
  const registration = s.registration.enabled ? new RegistrationStage(s, fans, doorway, rng.fork('registration')) : undefined;

  // The waitlist's boundary as the gateway broadcasts it: places numbered above `waitlistAfter`
  // are waitlisted while it is open; `toldThrough` is the last number already told.
  let waitlistAfter = Infinity;
  let toldThrough = 0;

  engine.onEntries((_id, entries) => {
    ledger.apply(entries);
    registration?.observe(entries);
    notify(entries);
  });
  engine.createEvent(eventConfigOf(s, venue, EVENT_ID), { publish: true });
  const sale = engine.event(EVENT_ID);
  options.onSale?.(sale, engine);
  // An invitee types the code bound to its account.
  const accessCodeOf = registration === undefined ? undefined : (fanId: string) => sale.registrationOf(fanId).code ?? undefined;
  const driver = new InProcessCommands(EVENT_ID, engine, sale, venue, model, options.viaExecute === true, ledger, accessCodeOf);
  model.commands = driver;
  registration?.registerAll(clock, engine, sale, (fanId) => driver.execute({ type: 'register', eventId: EVENT_ID, fanId }));

  function notify(entries: readonly JournalEntry[]): void {
    const heardAt = now() + broadcastMs;
    for (const e of entries) {
      if (e.type === 'joined') {
        model.onPlaceTaken(fanOf(e.fanId));
      } else if (e.type === 'admitted') {
        for (let i = 0; i < e.fanIds.length; i++) model.onAdmitted(fanOf(e.fanIds[i]!), e.firstGrant + i, e.at - EPOCH_MS, heardAt);
      } else if (e.type === 'called') {
        for (let i = 0; i < e.fanIds.length; i++) model.onCalled(fanOf(e.fanIds[i]!), e.firstGrant + i, heardAt, e.grantExpiresAt - EPOCH_MS);
      } else if (e.type === 'recalled') {
        for (const fanId of e.fanIds) model.onRecalled(fanOf(fanId), heardAt);
      } else if (e.type === 'standby' || e.type === 'earlyWaitlist') {
        // A new waitlist tells every place beyond its boundary; a moved boundary, the places it gave up.
        if (waitlistAfter === Infinity) toldThrough = e.waitlistAfter;
        else if (e.waitlistAfter < waitlistAfter) tell(e.waitlistAfter, Math.min(waitlistAfter, toldThrough), heardAt);
        waitlistAfter = e.waitlistAfter;
      } else if (e.type === 'waitlistEnded') {
        waitlistAfter = Infinity;
      } else if (e.type === 'left' && e.reason === 'presenceLost') {
        model.onLost(fanOf(e.fanId));
      } else if (e.type === 'soldOut') {
        model.onSoldOut(e.at - EPOCH_MS, heardAt);
      } else if (e.type === 'paymentStarted' && e.queued === true) {
        model.onPaymentReady(fanOf(sale.holds.get(e.holdId)!.fanId), e.channel!, heardAt);
      } else if (e.type === 'expired') {
        model.onQueuedPaymentDropped(fanOf(sale.holds.get(e.holdId)!.fanId));
      }
    }
    tellWaitlisted(heardAt);
  }

  /** Places numbered beyond the boundary since the last broadcast hear they are waitlisted. */
  function tellWaitlisted(heardAt: number): void {
    if (waitlistAfter === Infinity || sale.room.lastNumber <= toldThrough) return;
    tell(toldThrough, sale.room.lastNumber, heardAt);
    toldThrough = sale.room.lastNumber;
  }

  function tell(after: number, upTo: number, heardAt: number): void {
    for (const fanId of sale.room.waitingFansBetween(after, upTo)) model.onWaitlisted(fanOf(fanId), heardAt);
  }

  // Mid-sale changes: the provider's capacity, and the organizer retuning the event.
  const controls = [
    ...providers.changes(s.payments).map((c) => ({ at: times.onSaleMs + c.atSec * 1000, run: () => c.provider.setCapacity(c.capacityPerSec, now()) })),
    ...s.configChanges.map((c) => ({
      at: times.onSaleMs + c.atSec * 1000,
      run: () => driver.execute({ type: 'updateEvent', eventId: EVENT_ID, patch: { admission: c.admission } }),
    })),
    ...(registration === undefined || s.registration.inviteNextAfterSec <= 0 ? [] : [{
      at: times.onSaleMs + s.registration.inviteNextAfterSec * 1000,
      run: () => registration.inviteNext(sale, agenda, now(), (count) => driver.execute({ type: 'inviteNext', eventId: EVENT_ID, count })),
    }]),
  ].sort((a, b) => a.at - b.at);

  const series = new Series();
  const setupSec = (performance.now() - wallStart) / 1000;
  const simStart = performance.now();
  const at = arrivals.at;
  const n = s.fans;
  let ai = 0;
  let ci = 0;
  let nextTick = 0;
  let nextSample = 0;
  let ticks = 0;
  let loops = 0;
  const endGuess = Math.max(times.closesMs, 1);

  for (;;) {
    const ta = ai < n ? at[ai]! : Infinity;
    const te = agenda.peekTime();
    const tc = ci < controls.length ? controls[ci]!.at : Infinity;
    const t = Math.min(ta, te, tc);
    if (nextTick < t) {
      // Commands at an instant go before the tick at that instant.
      clock.set(EPOCH_MS + nextTick);
      engine.tick();
      ticks++;
      if (nextTick >= nextSample) {
        nextSample += s.sampleMs;
        sample();
      }
      nextTick += s.tickMs;
      if (nextTick > times.closesMs && finished()) break;
      if (nextTick > times.hardEndMs) break;
      if ((ticks & 0xff) === 0 && options.progress !== undefined) progress();
      continue;
    }
    clock.set(EPOCH_MS + t);
    if (t === tc) controls[ci++]!.run();
    else if (t === te) {
      const fan = agenda.topFan();
      const step = agenda.topStep();
      agenda.pop();
      model.step(fan, step);
    } else {
      const fan = ai++;
      // With registration only invitees come to the presale.
      if (registration === undefined || registration.comes(fan)) model.arrive(fan);
    }
    if ((++loops & 0xffff) === 0 && options.progress !== undefined) progress();
  }
  options.progress?.done();
  const simulateSec = (performance.now() - simStart) / 1000;
  memory.sample();

  const status = sale.status();
  const soldByTier = Object.fromEntries(sale.inventory.tiers.counts().map((t) => [t.id, t.sold]));
  let seatsSold = 0;
  for (const section of sale.config.inventory.sections) {
    for (const row of section.rows) {
      for (const seat of row.seats) if (sale.inventory.seats.status(`${section.id}-${row.id}-${seat.label}`) === 'sold') seatsSold++;
    }
  }
  const { at: _at, bot: _bot, nat: _nat, ...arrivalCounts } = arrivals;
  const played: PlayedSale['played'] = {
    driver: 'in-process',
    journal: options.journal ?? 'compact',
    scenario: s,
    venue,
    arrivals: arrivalCounts,
    onSaleMs: times.onSaleMs,
    closesMs: times.closesMs,
    simEndMs: now(),
    counters: model.counters,
    seen: model.seen,
    fans,
    ledger,
    payments: model.payments,
    series,
    engineState: {
      ticketsSold: status.tickets.sold, activeHolds: status.holds.active, soldByTier, seatsSold, phase: status.phase,
      admitted: status.admitted, openGrants: status.openGrants, ticketsHeld: status.tickets.held,
      slowLaneJoins: status.door.slowLaneJoins, powRefusals: status.door.powRefusals,
    },
    errors: driver.errors,
    engineErrors: driver.engineErrors,
    journalEntries: journalStore.read(EVENT_ID).length,
    commands: driver.commands,
    ticks,
    timings: { setupSec, simulateSec },
    memory,
    door: model.doorFigures(arrivals.at, true, (fan) => sale.room.numberOf(fanIdOf(fan))),
    registration: registration?.report(sale, status.tickets.sold),
  };
  return { played, store: journalStore };

  function finished(): boolean {
    return ai >= n && sale.holds.activeCount === 0 && model.paymentsInFlight === 0 && model.payments.pendingLateCharges === 0;
  }

  function sample(): void {
    series.add({
      t: (now() - times.onSaleMs) / 1000,
      waiting: sale.room.waiting,
      admitted: ledger.n.admitted,
      held: ledger.n.ticketsHeld,
      sold: ledger.n.ticketsSold,
      free: sale.inventory.free,
      payQueueSec: providers.queueMs(now()) / 1000,
      payUtilisation: providers.utilisation(now()),
      payQueued: sale.payments.queue.size,
    });
    memory.maybeSample();
  }

  function progress(): void {
    const t = now();
    const sign = t < times.onSaleMs ? '-' : '+';
    const secs = Math.abs(t - times.onSaleMs) / 1000;
    const clockText = `${sign}${String(Math.floor(secs / 3600)).padStart(2, '0')}:${String(Math.floor(secs / 60) % 60).padStart(2, '0')}:${String(Math.floor(secs) % 60).padStart(2, '0')}`;
    options.progress!.update(
      Math.min(1, t / endGuess),
      `t${clockText} joined ${ai.toLocaleString('en-US')} waiting ${sale.room.waiting.toLocaleString('en-US')} sold ${ledger.n.ticketsSold.toLocaleString('en-US')}`,
    );
  }
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}
