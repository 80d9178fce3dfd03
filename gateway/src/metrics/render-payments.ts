/**
 * /metrics lines of an event's payment channels and payment queue
 * (docs/payments.md, "Health, breakers and pacing"), from the engine's
 * status: each channel's breaker, limit, in-flight payments, healthy and
 * measured throughput, rates and latency over its health window, and totals.
 */
import type { BreakerState, EventStatus } from '../../../engine/src/index.js';
import type { PrometheusText } from './prometheus.js';

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'halfOpen', 'open'];

export function renderPayments(out: PrometheusText, eventId: string, payments: EventStatus['payments']): void {
  const l = { event: eventId };
  out.gauge('breakwater_event_payment_queue_waiting', 'Payments waiting in the payment queue for a channel to take them.', payments.queue.waiting, l);
  out.counter('breakwater_event_payments_queued_total', 'Payments that waited in the payment queue.', payments.queue.lastNumber, l);
  out.gauge('breakwater_event_payment_healthy_per_second', "Admission's payment term: the channels' healthy throughput in payments a second (NaN while unknown).", payments.healthyPerSec ?? NaN, l);
  for (const c of payments.channels) {
    const cl = { ...l, channel: c.name };
    for (const state of BREAKER_STATES) {
      out.gauge('breakwater_payment_channel_breaker', "The channel's circuit breaker state (1 for the current one).", c.breaker === state ? 1 : 0, { ...cl, state });
    }
    out.gauge('breakwater_payment_channel_limit', 'Payments the channel may have in flight now (its gradient limiter).', c.limit, cl);
    out.gauge('breakwater_payment_channel_in_flight', 'Payments in flight on the channel.', c.inFlight, cl);
    out.gauge('breakwater_payment_channel_healthy_per_second', 'Payments a second the channel takes while healthy: its limit over its baseline latency, within its declared capacity (NaN while unknown).', c.healthyPerSec ?? NaN, cl);
    out.gauge('breakwater_payment_channel_capacity_per_second', 'The capacity declared for the channel, payments a second (NaN: none declared).', c.capacityPerSec ?? NaN, cl);
    out.gauge('breakwater_payment_channel_throughput_per_second', 'Outcomes a second on the channel over its health window.', c.window.throughputPerSec, cl);
    out.gauge('breakwater_payment_channel_failure_ratio', 'Channel failures (errors and timeouts, not declines) over outcomes in the health window.', c.window.failureRate, cl);
    out.gauge('breakwater_payment_channel_decline_ratio', 'Business declines over outcomes in the health window.', c.window.outcomes === 0 ? 0 : c.window.declined / c.window.outcomes, cl);
    out.gauge('breakwater_payment_channel_latency_mean_seconds', 'Mean time from a payment starting to its answer, over the health window (NaN: no answer).', c.window.latencyMs === null ? NaN : c.window.latencyMs.mean / 1000, cl);
    out.gauge('breakwater_payment_channel_latency_p90_seconds', 'The 90th percentile of that time (the bound of its bucket), over the health window (NaN: no answer).', c.window.latencyMs === null ? NaN : c.window.latencyMs.p90 / 1000, cl);
    out.gauge('breakwater_payment_channel_webhook_lag_seconds', "How long after the provider's own instant its notifications arrived, on average over the health window (NaN: no provider said).", c.window.webhookLagMs === null ? NaN : c.window.webhookLagMs / 1000, cl);
    out.counter('breakwater_payment_channel_started_total', 'Payments started on the channel.', c.totals.started, cl);
    for (const [outcome, count] of Object.entries({ succeeded: c.totals.succeeded, declined: c.totals.declined, error: c.totals.errors, timeout: c.totals.timeouts })) {
      out.counter('breakwater_payment_channel_outcomes_total', 'Payment outcomes on the channel, by outcome (error and timeout are the channel failing).', count, { ...cl, outcome });
    }
  }
}
