/**
 * The deployment's payment providers by name, and which of them an event
 * offers. An event names its channels in its settings; naming none means the
 * deployment's configured provider. The demo provider, where the deployment
 * has it (payment-registry.ts), is offered only where an event names it.
 */
import { BreakwaterError } from '../../../engine/src/index.js';
import type { EventCatalog } from '../event-catalog.js';
import { channelNames } from '../../../engine/host/index.js';
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
    const named = channelNames(this.catalog.settingsOf(eventId).payments);
    if (named.length > 0) return named;
    return this.fallback === undefined ? [] : [this.fallback.name];
  }

  /**
   * The channels a fan of this event may pay with here: those it offers that
   * this deployment has, first choice first (the engine steers among them);
   * PAYMENT_CHANNEL_NOT_OFFERED when there are none.
   */
  usable(eventId: string): string[] {
    const usable = this.offered(eventId).filter((name) => this.byName.has(name));
    if (usable.length === 0) throw new BreakwaterError('PAYMENT_CHANNEL_NOT_OFFERED', 'this event offers no payment channel this deployment has', { details: { eventId, channel: null } });
    return usable;
  }

  /** Refuses a provider's checkout or notification for an event that does not offer it. */
  requireOffered(eventId: string, name: string): void {
    if (!this.offered(eventId).includes(name)) {
      throw new BreakwaterError('PAYMENT_CHANNEL_NOT_OFFERED', undefined, { details: { eventId, channel: name } });
    }
  }
}
