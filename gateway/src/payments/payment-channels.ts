/**
 * The deployment's payment providers by name, and which of them an event
 * offers. An event names its channels in its settings; naming none means the
 * deployment's configured provider. The demo provider, where the deployment
 * has it (payment-registry.ts), is offered only where an event names it.
 */
import { BreakwaterError } from '../../../engine/src/index.js';
import type { EventCatalog } from '../event-catalog.js';
import type { PaymentProvider } from './provider.js';

export class PaymentChannels {
  private readonly byName: ReadonlyMap<string, PaymentProvider>;

  constructor(
    providers: readonly PaymentProvider[],
    /** Used by events that name no channel; undefined: such events take no payments. */
    private readonly fallback: PaymentProvider | undefined,
    private readonly catalog: EventCatalog,
  ) {
    this.byName = new Map([...providers, ...(fallback === undefined ? [] : [fallback])].map((p) => [p.name, p] as const));
  }

  /** The provider whose webhooks arrive at /webhooks/payments/<name>. */
  provider(name: string): PaymentProvider | undefined {
    return this.byName.get(name);
  }

  /** The channels an event offers, first choice first. */
  offered(eventId: string): string[] {
    const named = this.catalog.settingsOf(eventId).payments.channels;
    if (named.length > 0) return named;
    return this.fallback === undefined ? [] : [this.fallback.name];
  }

  /** The provider a fan of this event pays with; PAYMENT_CHANNEL_NOT_OFFERED when the event offers none this deployment has. */
  checkoutFor(eventId: string): PaymentProvider {
    for (const name of this.offered(eventId)) {
      const provider = this.byName.get(name);
      if (provider !== undefined) return provider;
    }
    throw new BreakwaterError('PAYMENT_CHANNEL_NOT_OFFERED', 'this event offers no payment channel this deployment has', { details: { eventId, channel: null } });
  }

  /** Refuses a provider's checkout or notification for an event that does not offer it. */
  requireOffered(eventId: string, name: string): void {
    if (!this.offered(eventId).includes(name)) {
      throw new BreakwaterError('PAYMENT_CHANNEL_NOT_OFFERED', undefined, { details: { eventId, channel: name } });
    }
  }
}
