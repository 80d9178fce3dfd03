import { doorOf } from '../scenario/event-config.js';
import { loadScenario, setField, setTickets } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';

export interface CliOptions {
  scenario: Scenario;
  json: boolean;
  html: string | undefined;
  viaExecute: boolean;
  journal: 'memory' | 'compact';
  progress: boolean;
  list: boolean;
  help: boolean;
  /** Live mode: the gateway's URL (127.0.0.1 only). */
  live: string | undefined;
  timeScale: number;
  procs: number | undefined;
  apiKey: string | undefined;
  webhookSecret: string | undefined;
  /** Live mode: processes behind the gateway's port are killed on purpose (npm run chaos). */
  expectFaults: boolean;
}

export const USAGE = `Usage: npm run sim -- [options]

Runs a flash on-sale against the engine in simulated time and checks every invariant.
Exits 1 if any invariant or check fails, 2 on bad options.

  --scenario NAME|FILE.json  arena (default), stadium, payment-brownout, payment-brownout-manual,
                             two-channels, flaky-mobile, bots, scalpers, registration, tiny, tiny-seats;
                             or a JSON patch over the defaults
  --list                     list the scenarios and exit
  --seed N                   seed of every random choice (same seed, same report)
  --fans N                   identities that join (bots included)
  --tickets N                GA tickets in total (tiers scaled)
  --venue FILE               reserved seating from JSON: { "sections": [...] } (optional "weights": { category: n })
  --payment-capacity N       the payment provider's payments per second
  --bots F                   share of identities that are bots (0..1)
  --flaky F                  share of fans on flaky connections (0..1)
  --tick-ms N                how often the engine is ticked (simulated ms)
  --set PATH=VALUE           any scenario field, e.g. --set event.paymentWindowSec=300
                             or --set 'event.admission={"mode":"auto","maxActiveShoppers":500}'
  --via-execute              send fan commands through Engine.execute (untrusted-input path)
  --journal memory|compact   the engine's MemoryJournal (an object per entry), or the simulator's
                             columnar store (default; 9 bytes per join/leave/presence entry)
  --json                     print the report as one JSON object on the last line
  --html FILE                write a self-contained HTML report with charts
  --no-progress              no progress bar (it is drawn on stderr only on a terminal anyway)

Live mode: real WebSocket fans against a running gateway on 127.0.0.1.
  --live URL                 e.g. http://127.0.0.1:8080 (any other host is refused)
  --time-scale N             model seconds per real second (default 30): every window and the
                             arrival curve are compressed, every rate multiplied
  --procs N                  load processes (default max(2, fans/10,000); each ≤ 15,000 sockets)
  --api-key KEY              the organizer API key (default: BREAKWATER_API_KEY)
  --webhook-secret S         pay by signing the payment webhook (default: BREAKWATER_WEBHOOK_SECRET;
                             without one, fans pay through the demo checkout)
  --expect-faults            processes behind the gateway are killed on purpose (npm run chaos): sockets
                             they drop are reported apart, not failures; a fan that never got back still
                             fails the run (it gave up after every retry)
`;

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function number(flag: string, raw: string | undefined, min: number, max = Infinity): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value) || value < min || value > max) throw new Error(`${flag} needs a number from ${min}${max === Infinity ? '' : ` to ${max}`}`);
  return value;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const opts = {
    json: false, html: undefined as string | undefined, viaExecute: false, journal: 'compact' as 'memory' | 'compact', progress: true, list: false, help: false,
    live: undefined as string | undefined, timeScale: 30, procs: undefined as number | undefined,
    apiKey: process.env.BREAKWATER_API_KEY || undefined, webhookSecret: process.env.BREAKWATER_WEBHOOK_SECRET || undefined,
    expectFaults: false,
  };
  let name = 'arena';
  const edits: Array<(s: Scenario) => void> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') && !arg.startsWith('--set=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--scenario': name = value(); break;
      case '--seed': { const v = number(flag, value(), 0, 2 ** 32 - 1); edits.push((s) => (s.seed = v)); break; }
      case '--fans': { const v = Math.round(number(flag, value(), 1, 50_000_000)); edits.push((s) => (s.fans = v)); break; }
      case '--tickets': { const v = Math.round(number(flag, value(), 1)); edits.push((s) => setTickets(s, v)); break; }
      case '--venue': { const path = value(); edits.push((s) => (s.inventory = { kind: 'venueFile', path })); break; }
      case '--payment-capacity': { const v = number(flag, value(), 0.001); edits.push((s) => (s.payments.capacityPerSec = v)); break; }
      case '--bots': { const v = number(flag, value(), 0, 1); edits.push((s) => (s.bots.fraction = v)); break; }
      case '--flaky': { const v = number(flag, value(), 0, 1); edits.push((s) => (s.behaviour.flaky.fraction = v)); break; }
      case '--tick-ms': { const v = Math.round(number(flag, value(), 1, 60_000)); edits.push((s) => (s.tickMs = v)); break; }
      case '--set': {
        const pair = arg.startsWith('--set=') ? arg.slice(6) : value();
        const eq = pair.indexOf('=');
        if (eq < 1) throw new Error('--set needs PATH=VALUE');
        edits.push((s) => setField(s, pair.slice(0, eq), parseValue(pair.slice(eq + 1))));
        break;
      }
      case '--via-execute': opts.viaExecute = true; break;
      case '--journal': {
        const v = value();
        if (v !== 'memory' && v !== 'compact') throw new Error('--journal is memory or compact');
        opts.journal = v;
        break;
      }
      case '--live': opts.live = value(); break;
      case '--time-scale': opts.timeScale = number(flag, value(), 0.01, 10_000); break;
      case '--procs': opts.procs = Math.round(number(flag, value(), 1, 64)); break;
      case '--api-key': opts.apiKey = value(); break;
      case '--webhook-secret': opts.webhookSecret = value(); break;
      case '--expect-faults': opts.expectFaults = true; break;
      case '--json': opts.json = true; break;
      case '--html': opts.html = value(); break;
      case '--no-progress': opts.progress = false; break;
      case '--list': opts.list = true; break;
      case '--help': case '-h': opts.help = true; break;
      default: throw new Error(`unknown option ${arg}`);
    }
  }
  const scenario = loadScenario(name);
  for (const edit of edits) edit(scenario);
  checkDoorSettings(scenario);
  return { scenario, ...opts };
}

/** `defences` and `identity` are words the run only reads later: a typo must stop it here, as a bad option. */
function checkDoorSettings(scenario: Scenario): void {
  doorOf(scenario);
  if (scenario.identity !== 'anonymous' && scenario.identity !== 'verified') throw new Error(`identity is "anonymous" or "verified", not ${JSON.stringify(scenario.identity)}`);
}
