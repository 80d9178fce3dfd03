/**
 * Every event's figures as Prometheus metrics, read from the engine's last
 * stats broadcast at each scrape (prom-client `collect`): an event missing
 * from it — closed for longer than the grace (engine-host.ts) — has no series.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { PHASES } from '../../../engine/src/index.js';
import type { EventStats } from '../../../engine/link/types.js';
import { registerPaymentMetrics } from './payment-metrics.js';

interface Figure {
  name: string;
  help: string;
  kind: 'gauge' | 'counter';
  value: (e: EventStats) => number;
}

/** Estimates and decayed rates are floats: three decimals say all they know. */
const rounded = (x: number): number => Math.round(x * 1000) / 1000;

const FIGURES: Figure[] = [
  { kind: 'gauge', name: 'breakwater_event_waiting_fans', help: 'Fans waiting for admission, pre-queue included.', value: (e) => e.waiting },
  { kind: 'counter', name: 'breakwater_event_joins_total', help: 'Fans who took a place in the queue.', value: (e) => e.joined },
  { kind: 'counter', name: 'breakwater_event_admissions_total', help: 'Fans admitted to shop.', value: (e) => e.admitted },
  { kind: 'gauge', name: 'breakwater_event_active_shoppers', help: 'Admitted fans with an open grant or an open hold.', value: (e) => e.activeShoppers },
  { kind: 'gauge', name: 'breakwater_event_open_grants', help: 'Admission grants not used yet.', value: (e) => e.openGrants },
  { kind: 'gauge', name: 'breakwater_event_holds_active', help: 'Holds held or with a payment in flight.', value: (e) => e.holds.active },
  { kind: 'gauge', name: 'breakwater_event_holds_payment_pending', help: 'Holds with a payment in flight.', value: (e) => e.holds.paymentPending },
  { kind: 'counter', name: 'breakwater_event_holds_expired_total', help: 'Holds that expired without a purchase.', value: (e) => e.holds.expired },
  { kind: 'counter', name: 'breakwater_event_holds_released_total', help: 'Holds the fan released.', value: (e) => e.holds.released },
  { kind: 'counter', name: 'breakwater_event_tickets_sold_total', help: 'Tickets sold.', value: (e) => e.tickets.sold },
  { kind: 'gauge', name: 'breakwater_event_tickets_free', help: 'Tickets nobody holds or has bought.', value: (e) => e.tickets.free },
  { kind: 'gauge', name: 'breakwater_event_tickets_held', help: 'Tickets in active holds.', value: (e) => e.tickets.held },
  { kind: 'gauge', name: 'breakwater_event_sold_out', help: '1 while the event is sold out (final: nothing can come back).', value: (e) => (e.phase === 'soldOut' ? 1 : 0) },
  // Standby and waitlist (docs/architecture.md): once nothing is free to sell.
  { kind: 'gauge', name: 'breakwater_event_all_taken', help: '1 while nothing is free to sell and the waitlist is open.', value: (e) => (e.waitlist.state === 'open' ? 1 : 0) },
  { kind: 'gauge', name: 'breakwater_event_standby_size', help: 'Standby places (S) last decided.', value: (e) => e.waitlist.standbySize },
  { kind: 'gauge', name: 'breakwater_event_standby_waiting', help: 'Standby places still waiting.', value: (e) => e.waitlist.standby },
  { kind: 'gauge', name: 'breakwater_event_waitlisted', help: 'Waitlisted places still waiting to be called.', value: (e) => e.waitlist.waitlisted },
  { kind: 'counter', name: 'breakwater_event_calls_total', help: 'Waitlisted fans called.', value: (e) => e.waitlist.called },
  { kind: 'counter', name: 'breakwater_event_calls_lapsed_total', help: 'Calls that lapsed unanswered.', value: (e) => e.waitlist.lapsedCalls },
  { kind: 'gauge', name: 'breakwater_event_now_serving', help: 'Highest place number admitted or passed.', value: (e) => e.nowServing },
  {
    kind: 'gauge', name: 'breakwater_event_admissions_per_second',
    help: 'Admissions per second over the last 10 s: what wait estimates are made of (for the rate over any window: rate(breakwater_event_admissions_total)).',
    value: (e) => rounded(e.rateHigh),
  },
  // The door (engine): delayed joins, refused proofs, what a join from a quiet subnet must prove now, the load.
  { kind: 'counter', name: 'breakwater_event_slow_lane_joins_total', help: 'Joins over their address or subnet budget, delayed by the slow lane.', value: (e) => e.door.slowLaneJoins },
  { kind: 'counter', name: 'breakwater_event_pow_refusals_total', help: 'Joins refused for too little proof of work (since the engine process started).', value: (e) => e.door.powRefusals },
  { kind: 'gauge', name: 'breakwater_event_pow_difficulty_bits', help: 'Proof-of-work bits a join from a quiet subnet needs now (floor plus the load).', value: (e) => e.door.difficultyNow },
  {
    kind: 'gauge', name: 'breakwater_event_recent_joins_per_minute', help: 'Joins in about the last minute (decayed), the load the difficulty follows.',
    value: (e) => rounded(e.door.recentJoinsPerMin),
  },
];

export function registerEventMetrics(registry: Registry, events: () => readonly EventStats[]): void {
  const registers = [registry];
  for (const figure of FIGURES) {
    const { name, help, value } = figure;
    const collect = function (this: Gauge | Counter): void {
      this.reset();
      for (const e of events()) {
        if (this instanceof Gauge) this.set({ event: e.eventId }, value(e));
        else this.inc({ event: e.eventId }, value(e));
      }
    };
    if (figure.kind === 'gauge') new Gauge({ name, help, labelNames: ['event'], registers, collect });
    else new Counter({ name, help, labelNames: ['event'], registers, collect });
  }
  new Gauge({
    name: 'breakwater_event_draw_pending', help: "Places waiting for a draw (a sale phase's pre-queue and start window: preQueue, phase:<id>).", labelNames: ['event', 'draw'], registers,
    collect() {
      this.reset();
      for (const e of events()) for (const draw of e.draws) this.set({ event: e.eventId, draw: draw.draw }, draw.pending);
    },
  });
  new Gauge({
    name: 'breakwater_event_phase', help: 'The current phase of the event (1 for the current one).', labelNames: ['event', 'phase'], registers,
    collect() {
      this.reset();
      for (const e of events()) for (const phase of PHASES) this.set({ event: e.eventId, phase }, phase === e.phase ? 1 : 0);
    },
  });
  registerPaymentMetrics(registry, events);
}
