/**
 * How many fans one tick admits. Each bound is a reason to hold fans back;
 * the least of them wins, so admission never outruns the organizer's rate,
 * the shopper slots, the payment provider or — above all — the inventory.
 */
export interface AdmissionInputs {
  /** Whole fans the rate budget allows now (Infinity when the policy sets no rate). */
  rateTokens: number;
  /** Whole fans the payment provider's declared capacity allows now (Infinity when none is set). */
  paymentTokens: number;
  maxActiveShoppers: number | undefined;
  activeShoppers: number;
  freeTickets: number;
  /** Tickets in holds whose window ends within the look-ahead: they will most likely come back. */
  ticketsExpiringSoon: number;
  /** Admitted fans who have not used their grant yet: each may still take up to the per-fan limit. */
  openGrants: number;
  maxTicketsPerFan: number;
}

export function admissionBudget(inputs: AdmissionInputs): number {
  const shopperSlots = inputs.maxActiveShoppers === undefined ? Infinity : inputs.maxActiveShoppers - inputs.activeShoppers;
  return Math.max(0, Math.floor(Math.min(inputs.rateTokens, inputs.paymentTokens, shopperSlots, inventoryBound(inputs))));
}

/**
 * Fans the inventory can still serve, assuming each takes the per-fan limit;
 * rounded up so the last few tickets are offered to one more fan instead of
 * to nobody.
 */
export function inventoryBound(inputs: AdmissionInputs): number {
  const unpromised = inputs.freeTickets + inputs.ticketsExpiringSoon - inputs.openGrants * inputs.maxTicketsPerFan;
  return unpromised <= 0 ? 0 : Math.ceil(unpromised / inputs.maxTicketsPerFan);
}

/**
 * A token bucket refilled by elapsed time. It holds at most two seconds of
 * budget (or one tick's, if ticks are further apart), so a pause or a quiet
 * spell cannot bank a burst.
 */
export class TokenBucket {
  tokens = 0;

  refill(perSecond: number, elapsedMs: number): void {
    if (perSecond === Infinity) {
      this.tokens = Infinity;
      return;
    }
    if (this.tokens === Infinity) this.tokens = 0;
    // A rate of nothing (a payment channel's breaker open) admits nothing, not even what was banked.
    if (perSecond === 0) {
      this.tokens = Math.min(this.tokens, 0);
      return;
    }
    const added = (perSecond * elapsedMs) / 1000;
    const cap = Math.max(1, perSecond * 2, added);
    this.tokens = Math.min(cap, this.tokens + added);
  }

  take(n: number): void {
    if (this.tokens !== Infinity) this.tokens -= n;
  }
}
