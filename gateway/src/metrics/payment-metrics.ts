/**
 * /metrics of every event's payment channels and payment queue
 * (docs/payments.md, "Health, breakers and pacing"), from the engine's
 * status at each scrape: each channel's breaker, limit, in-flight payments,
 * healthy and measured throughput, rates and latency over its health window,
 * and totals.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BreakerState, ChannelView } from '../../../engine/src/index.js';
import type { EventStats } from '../../../engine/link/types.js';

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'halfOpen', 'open'];

type Payments = EventStats['payments'];

interface ChannelFigure {
  name: string;
  help: string;
  kind: 'gauge' | 'counter';
  value: (c: ChannelView) => number;
}

const CHANNEL_FIGURES: ChannelFigure[] = [
  { kind: 'gauge', name: 'breakwater_payment_channel_limit', help: 'Payments the channel may have in flight now (its gradient limiter).', value: (c) => c.limit },
  { kind: 'gauge', name: 'breakwater_payment_channel_in_flight', help: 'Payments in flight on the channel.', value: (c) => c.inFlight },
  {
    kind: 'gauge', name: 'breakwater_payment_channel_healthy_per_second',
    help: 'Payments a second the channel takes while healthy: its limit over its baseline latency, within its declared capacity (NaN while unknown).',
    value: (c) => c.healthyPerSec ?? NaN,
  },
  { kind: 'gauge', name: 'breakwater_payment_channel_capacity_per_second', help: 'The capacity declared for the channel, payments a second (NaN: none declared).', value: (c) => c.capacityPerSec ?? NaN },
  { kind: 'gauge', name: 'breakwater_payment_channel_throughput_per_second', help: 'Outcomes a second on the channel over its health window.', value: (c) => c.window.throughputPerSec },
  { kind: 'gauge', name: 'breakwater_payment_channel_failure_ratio', help: 'Channel failures (errors and timeouts, not declines) over outcomes in the health window.', value: (c) => c.window.failureRate },
  { kind: 'gauge', name: 'breakwater_payment_channel_decline_ratio', help: 'Business declines over outcomes in the health window.', value: (c) => (c.window.outcomes === 0 ? 0 : c.window.declined / c.window.outcomes) },
  {
    kind: 'gauge', name: 'breakwater_payment_channel_latency_mean_seconds', help: 'Mean time from a payment starting to its answer, over the health window (NaN: no answer).',
    value: (c) => (c.window.latencyMs === null ? NaN : c.window.latencyMs.mean / 1000),
  },
  {
    kind: 'gauge', name: 'breakwater_payment_channel_latency_p90_seconds', help: 'The 90th percentile of that time (the bound of its bucket), over the health window (NaN: no answer).',
    value: (c) => (c.window.latencyMs === null ? NaN : c.window.latencyMs.p90 / 1000),
  },
  {
    kind: 'gauge', name: 'breakwater_payment_channel_webhook_lag_seconds',
    help: "How long after the provider's own instant its notifications arrived, on average over the health window (NaN: no provider said).",
    value: (c) => (c.window.webhookLagMs === null ? NaN : c.window.webhookLagMs / 1000),
  },
  { kind: 'counter', name: 'breakwater_payment_channel_started_total', help: 'Payments started on the channel.', value: (c) => c.totals.started },
];

export function registerPaymentMetrics(registry: Registry, events: () => readonly EventStats[]): void {
  const registers = [registry];
  const eachEvent = (fn: (eventId: string, payments: Payments) => void): void => {
    for (const e of events()) fn(e.eventId, e.payments);
  };
  new Gauge({
    name: 'breakwater_event_payment_queue_waiting', help: 'Payments waiting in the payment queue for a channel to take them.', labelNames: ['event'], registers,
    collect() {
      this.reset();
      eachEvent((event, p) => this.set({ event }, p.queue.waiting));
    },
  });
  new Counter({
    name: 'breakwater_event_payments_queued_total', help: 'Payments that waited in the payment queue.', labelNames: ['event'], registers,
    collect() {
      this.reset();
      eachEvent((event, p) => this.inc({ event }, p.queue.lastNumber));
    },
  });
  new Gauge({
    name: 'breakwater_event_payment_healthy_per_second', help: "Admission's payment term: the channels' healthy throughput in payments a second (NaN while unknown).", labelNames: ['event'], registers,
    collect() {
      this.reset();
      eachEvent((event, p) => this.set({ event }, p.healthyPerSec ?? NaN));
    },
  });
  for (const figure of CHANNEL_FIGURES) {
    const { name, help, value } = figure;
    const collect = function (this: Gauge | Counter): void {
      this.reset();
      eachEvent((event, p) => {
        for (const c of p.channels) {
          if (this instanceof Gauge) this.set({ event, channel: c.name }, value(c));
          else this.inc({ event, channel: c.name }, value(c));
        }
      });
    };
    if (figure.kind === 'gauge') new Gauge({ name, help, labelNames: ['event', 'channel'], registers, collect });
    else new Counter({ name, help, labelNames: ['event', 'channel'], registers, collect });
  }
  new Gauge({
    name: 'breakwater_payment_channel_breaker', help: "The channel's circuit breaker state (1 for the current one).", labelNames: ['event', 'channel', 'state'], registers,
    collect() {
      this.reset();
      eachEvent((event, p) => {
        for (const c of p.channels) for (const state of BREAKER_STATES) this.set({ event, channel: c.name, state }, c.breaker === state ? 1 : 0);
      });
    },
  });
  new Counter({
    name: 'breakwater_payment_channel_outcomes_total', help: 'Payment outcomes on the channel, by outcome (error and timeout are the channel failing).', labelNames: ['event', 'channel', 'outcome'], registers,
    collect() {
      this.reset();
      eachEvent((event, p) => {
        for (const c of p.channels) {
          const counts = { succeeded: c.totals.succeeded, declined: c.totals.declined, error: c.totals.errors, timeout: c.totals.timeouts };
          for (const [outcome, count] of Object.entries(counts)) this.inc({ event, channel: c.name, outcome }, count);
        }
      });
    },
  });
}
