/**
 * /metrics: every event's figures (from the engine process's last stats
 * broadcast) and every gateway process's own figures (each reports every
 * second), so whichever worker a scrape lands on answers for the machine.
 */
import { PHASES } from '../../../engine/src/index.js';
import type { EngineBroadcast, EventStats, WorkerMetrics } from '../engine-link/types.js';
import { BUDGETS, type BudgetName } from '../protection/door-exchange.js';
import { PrometheusText } from './prometheus.js';
import { renderPayments } from './render-payments.js';

export type StatsBroadcast = Extract<EngineBroadcast, { type: 'stats' }>;

function renderEvent(out: PrometheusText, e: EventStats): void {
  const l = { event: e.eventId };
  out.gauge('breakwater_event_waiting_fans', 'Fans waiting for admission, pre-queue included.', e.waiting, l);
  out.counter('breakwater_event_joins_total', 'Fans who took a place in the queue.', e.joined, l);
  out.counter('breakwater_event_admissions_total', 'Fans admitted to shop.', e.admitted, l);
  out.gauge('breakwater_event_active_shoppers', 'Admitted fans with an open grant or an open hold.', e.activeShoppers, l);
  out.gauge('breakwater_event_open_grants', 'Admission grants not used yet.', e.openGrants, l);
  out.gauge('breakwater_event_holds_active', 'Holds held or with a payment in flight.', e.holds.active, l);
  out.gauge('breakwater_event_holds_payment_pending', 'Holds with a payment in flight.', e.holds.paymentPending, l);
  out.counter('breakwater_event_holds_expired_total', 'Holds that expired without a purchase.', e.holds.expired, l);
  out.counter('breakwater_event_holds_released_total', 'Holds the fan released.', e.holds.released, l);
  out.counter('breakwater_event_tickets_sold_total', 'Tickets sold.', e.tickets.sold, l);
  out.gauge('breakwater_event_tickets_free', 'Tickets nobody holds or has bought.', e.tickets.free, l);
  out.gauge('breakwater_event_tickets_held', 'Tickets in active holds.', e.tickets.held, l);
  out.gauge('breakwater_event_sold_out', '1 while the event is sold out (final: nothing can come back).', e.phase === 'soldOut' ? 1 : 0, l);
  // Standby and waitlist (docs/architecture.md): once nothing is free to sell.
  out.gauge('breakwater_event_all_taken', '1 while nothing is free to sell and the waitlist is open.', e.waitlist.state === 'open' ? 1 : 0, l);
  out.gauge('breakwater_event_standby_size', 'Standby places (S) last decided.', e.waitlist.standbySize, l);
  out.gauge('breakwater_event_standby_waiting', 'Standby places still waiting.', e.waitlist.standby, l);
  out.gauge('breakwater_event_waitlisted', 'Waitlisted places still waiting to be called.', e.waitlist.waitlisted, l);
  out.counter('breakwater_event_calls_total', 'Waitlisted fans called.', e.waitlist.called, l);
  out.counter('breakwater_event_calls_lapsed_total', 'Calls that lapsed unanswered.', e.waitlist.lapsedCalls, l);
  out.gauge('breakwater_event_now_serving', 'Highest place number admitted or passed.', e.nowServing, l);
  out.gauge('breakwater_event_admission_rate', 'Admissions per second lately (fast estimate).', e.rateHigh, l);
  // The door (engine): delayed joins, refused proofs, what a join from a quiet subnet must prove now, the load.
  out.counter('breakwater_event_slow_lane_joins_total', 'Joins over their address or subnet budget, delayed by the slow lane.', e.door.slowLaneJoins, l);
  out.counter('breakwater_event_pow_refusals_total', 'Joins refused for too little proof of work (since the engine process started).', e.door.powRefusals, l);
  out.gauge('breakwater_event_pow_difficulty', 'Proof-of-work bits a join from a quiet subnet needs now (floor plus the load).', e.door.difficultyNow, l);
  out.gauge('breakwater_event_recent_joins_per_minute', 'Joins in about the last minute (decayed), the load the difficulty follows.', e.door.recentJoinsPerMin, l);
  for (const draw of e.draws) {
    out.gauge('breakwater_event_draw_pending', "Places waiting for a draw (a sale phase's pre-queue and start window: preQueue, phase:<id>).", draw.pending, { ...l, draw: draw.draw });
  }
  for (const phase of PHASES) out.gauge('breakwater_event_phase', 'The current phase of the event (1 for the current one).', phase === e.phase ? 1 : 0, { ...l, phase });
  renderPayments(out, e.eventId, e.payments);
}

function renderWorker(out: PrometheusText, w: WorkerMetrics): void {
  const l = { worker: w.worker };
  out.gauge('breakwater_gateway_process_info', 'One per gateway process, labelled with its pid.', 1, { ...l, pid: w.pid });
  out.gauge('breakwater_gateway_connections', 'Open fan WebSocket connections.', w.connections, l);
  out.gauge('breakwater_gateway_dashboard_connections', 'Open dashboard feed connections.', w.dashboardConnections, l);
  out.counter('breakwater_gateway_messages_in_total', 'WebSocket messages received from fans.', w.messagesIn, l);
  out.counter('breakwater_gateway_messages_out_total', 'WebSocket messages delivered to fans (a topic publish counts once per recipient).', w.messagesOut, l);
  out.counter('breakwater_gateway_topic_publishes_total', 'Queue and phase publishes (one per event per tick at most).', w.topicPublishes, l);
  out.counter('breakwater_gateway_backpressure_drops_total', 'Messages not delivered because the socket buffer was full.', w.backpressureDrops, l);
  for (const [reason, count] of Object.entries(w.rejected)) {
    out.counter('breakwater_gateway_rejected_total', 'Frames, joins and connections refused, by reason.', count, { ...l, reason });
  }
  for (const [fault, count] of Object.entries(w.httpFaults)) {
    out.counter('breakwater_gateway_http_faults_total', 'HTTP requests the client broke off or made unusable (counted, not logged), by fault.', count, { ...l, fault });
  }
  out.counter('breakwater_gateway_log_lines_suppressed_total', 'Log lines left out because the process logged more than its rate.', w.logLinesSuppressed, l);
  renderDoor(out, w);
  out.histogram('breakwater_gateway_join_seconds', 'Join latency: join frame in to joined frame out.', w.joinLatency, l);
  out.histogram('breakwater_gateway_update_seconds', 'Queue update latency: engine tick to topic publish.', w.updateLatency, l);
}

const REFUSED_LABELS: Record<BudgetName, { what: string; key: string }> = {
  connectionsPerIp: { what: 'connection', key: 'address' },
  connectionsPerSubnet: { what: 'connection', key: 'subnet' },
  joinsPerIp: { what: 'join', key: 'address' },
  joinsPerSubnet: { what: 'join', key: 'subnet' },
};

function renderDoor(out: PrometheusText, w: WorkerMetrics): void {
  const l = { worker: w.worker };
  for (const budget of BUDGETS) {
    out.counter('breakwater_door_refused_total', 'Connections and joins refused by the door, by what and by key kind.', w.door.refused[budget], { ...l, ...REFUSED_LABELS[budget] });
  }
  out.gauge('breakwater_door_tracked_keys', 'Keys the door holds counts for (this process\'s and the other processes\' reports).', w.door.trackedKeys.address, { ...l, key: 'address' });
  out.gauge('breakwater_door_tracked_keys', 'Keys the door holds counts for (this process\'s and the other processes\' reports).', w.door.trackedKeys.subnet, { ...l, key: 'subnet' });
  out.gauge('breakwater_door_peers', 'Other gateway processes whose door counts this process heard lately.', w.door.peers, l);
  out.gauge('breakwater_door_share_age_seconds', 'Age of the oldest door report in use: how stale the other processes\' counts can be.', w.door.shareAgeMs / 1000, l);
}

export function renderMetrics(stats: StatsBroadcast | undefined, self: WorkerMetrics, engineConnected: boolean): string {
  const out = new PrometheusText();
  for (const event of stats?.events ?? []) renderEvent(out, event);
  // This process's own figures are live; the others' come from their last report.
  const workers = new Map((stats?.workers ?? []).map((w) => [w.worker, w]));
  workers.set(self.worker, self);
  for (const worker of [...workers.values()].sort((a, b) => a.worker.localeCompare(b.worker))) renderWorker(out, worker);
  out.gauge('breakwater_gateway_engine_connected', '1 when this gateway process reaches the engine process.', engineConnected ? 1 : 0, { worker: self.worker });
  return out.toString();
}
