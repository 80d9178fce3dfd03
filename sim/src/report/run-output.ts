import type { InvariantViolation } from '../../../engine/src/index.js';
import type { Arrivals } from '../model/arrivals.js';
import type { DoorFigures } from '../model/doorway.js';
import type { FanCounters, Observations } from '../model/fan-model.js';
import type { FanTable } from '../model/fan-table.js';
import type { FanPayments } from '../model/fan-payments.js';
import type { Scenario } from '../scenario/types.js';
import type { Venue } from '../scenario/venue.js';
import type { RegistrationReport } from '../drivers/registration-stage.js';
import type { Ledger } from './ledger.js';
import type { MemoryPeak } from './memory.js';
import type { Series } from './series.js';

/** What any driver hands the report: the raw figures of one run. */
export interface RunOutput {
  driver: 'in-process' | 'live';
  journal: 'memory' | 'compact' | 'remote';
  scenario: Scenario;
  venue: Venue;
  arrivals: Omit<Arrivals, 'at' | 'bot' | 'nat'>;
  onSaleMs: number;
  closesMs: number;
  simEndMs: number;
  counters: FanCounters;
  seen: Observations;
  /** Every fan's story at the end (what it was shown, how long it waited). */
  fans: FanTable;
  ledger: Ledger;
  /** The payment side: every channel's provider, the payment queue as fans lived it, charges kept per hold. */
  payments: FanPayments;
  series: Series;
  /** From checkInvariants over the whole journal (undefined if the driver cannot read the journal). */
  engineViolations: InvariantViolation[] | undefined;
  /** The engine's own figures at the end, to compare with the ledger. */
  engineState: {
    ticketsSold: number; activeHolds: number; soldByTier: Record<string, number>; seatsSold: number; phase: string; slowLaneJoins: number; powRefusals: number;
    /** Admitted and called fans, grants not yet used, tickets in holds: the supply the fans' outlook is computed from. */
    admitted: number; openGrants: number; ticketsHeld: number;
  } | undefined;
  /** Engine error codes fans and the payment side got, by code. */
  errors: Record<string, number>;
  /** Anything the engine threw that is not a BreakwaterError: a bug. */
  engineErrors: string[];
  journalEntries: number;
  commands: number;
  ticks: number;
  timings: { setupSec: number; simulateSec: number; checkSec: number; wallSec: number; cpuSec: number };
  memory: MemoryPeak;
  /** What the door did to bots and to fans behind the shared address. */
  door: DoorFigures;
  /** Registration and its draw, when the scenario has one (in-process only). */
  registration?: RegistrationReport;
}
