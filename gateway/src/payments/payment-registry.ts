/**
 * The deployment's payment channels, built the same way in every gateway
 * process (one process, `--workers`, cluster) from the options each is
 * started with: the providers configured (Stripe from its environment
 * variables), those a program passes in, and the demo checkout.
 *
 * The demo checkout lets a fan approve its own payment, so it exists only in
 * a deployment with no real provider, or where the operator keeps it
 * explicitly (`payments.allowDemo`, `--allow-demo-payments`). Where it does
 * not exist, its channel is never offered: `pay` in an event naming only
 * `demo` is PAYMENT_CHANNEL_NOT_OFFERED, `/pay/demo/…` is refused and
 * `/webhooks/payments/demo` names no provider.
 */
import type { PaymentSettings } from '../config.js';
import type { EventCatalog } from '../event-catalog.js';
import type { Signer } from '../tokens.js';
import { DemoPaymentProvider, type DemoProviderOptions } from './demo-provider.js';
import { PaymentChannels } from './payment-channels.js';
import type { PaymentProvider } from './provider.js';
import { StripePaymentProvider } from './stripe-provider.js';

export interface PaymentRegistryOptions {
  settings: PaymentSettings | undefined;
  signer: Signer;
  webhookSecret: string;
  demo: Pick<DemoProviderOptions, 'decision' | 'delayMs'>;
  catalog: EventCatalog;
  /** Providers a program registers besides the configured ones. */
  providers?: readonly PaymentProvider[];
  /** The provider of events that name no channel; by default the first configured one. */
  checkoutProvider?: PaymentProvider;
}

export interface PaymentRegistry {
  channels: PaymentChannels;
  /** Undefined where this deployment has no demo checkout. */
  demo: DemoPaymentProvider | undefined;
}

/** The real providers the settings configure. */
export function configuredProviders(settings: PaymentSettings | undefined): PaymentProvider[] {
  return settings?.stripe === undefined ? [] : [new StripePaymentProvider(settings.stripe)];
}

export function buildPaymentRegistry(options: PaymentRegistryOptions): PaymentRegistry {
  const configured = configuredProviders(options.settings);
  const real = [...configured, ...(options.providers ?? [])];
  const fallback = options.checkoutProvider ?? configured[0];
  const hasReal = real.length > 0 || fallback !== undefined;
  const demo = hasReal && options.settings?.allowDemo !== true
    ? undefined
    : new DemoPaymentProvider({ signer: options.signer, webhookSecret: options.webhookSecret, ...options.demo });
  return { channels: new PaymentChannels([...(demo === undefined ? [] : [demo]), ...real], fallback, options.catalog), demo };
}

