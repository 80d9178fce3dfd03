/**
 * The payment reconciliation of an event (`GET /api/events/{id}/payments`):
 * every payment id the journal names — started by a fan (`paymentStarted`)
 * or confirmed by the organizer's checkout — with what became of it, read
 * from the journal alone:
 *
 * - `purchased`: it bought its hold;
 * - `declined`: the provider said no (`paymentFailed`);
 * - `failed`: no outcome came before its hold ended (expired or released);
 * - `refundDue`: a success the hold refused, its refund not yet reported done;
 * - `refunded`: that refund was done;
 * - `pending`: its hold still waits on it.
 */
import type { JournalEntry } from '../src/index.js';
import { csvField } from './csv.js';

export type AttemptStatus = 'purchased' | 'declined' | 'failed' | 'refundDue' | 'refunded' | 'pending';

export interface PaymentAttempt {
  paymentId: string;
  holdId: string;
  status: AttemptStatus;
  /** The provider's reason for a decline, the refund's reason (holdEnded, alreadyPaid, otherAttempt, amountMismatch, orderCancelled), or `holdEnded` for a failure. */
  reason: string;
  /** When the fan started it (null: confirmed by the organizer's checkout without one). */
  startedAt: number | null;
  /** When its status was last decided (null: pending). */
  settledAt: number | null;
  /** The hold's price, minor units and currency. */
  amount: number;
  currency: string;
}

export interface PaymentReconciliation {
  eventId: string;
  totals: Record<AttemptStatus, number> & { attempts: number };
  attempts: PaymentAttempt[];
}

export const ATTEMPT_STATUSES: readonly AttemptStatus[] = ['purchased', 'declined', 'failed', 'refundDue', 'refunded', 'pending'];

/** `priceOf` answers a hold's price (the host knows the event's prices and currency). */
export function reconcilePayments(eventId: string, journal: readonly JournalEntry[], priceOf: (holdId: string) => { amount: number; currency: string }): PaymentReconciliation {
  const attempts = new Map<string, PaymentAttempt>();
  /** The attempt each hold waits on, until the hold ends. */
  const waitingOn = new Map<string, PaymentAttempt>();
  const attempt = (holdId: string, paymentId: string): PaymentAttempt => {
    let found = attempts.get(paymentId);
    if (found === undefined) {
      found = { paymentId, holdId, status: 'pending', reason: '', startedAt: null, settledAt: null, ...priceOf(holdId) };
      attempts.set(paymentId, found);
    }
    return found;
  };
  const settle = (found: PaymentAttempt, status: AttemptStatus, at: number, reason = found.reason) => Object.assign(found, { status, settledAt: at, reason });
  for (const entry of journal) {
    switch (entry.type) {
      case 'paymentStarted': {
        const started = attempt(entry.holdId, entry.paymentId);
        started.startedAt ??= entry.at;
        waitingOn.set(entry.holdId, started);
        break;
      }
      case 'paymentFailed':
        settle(attempt(entry.holdId, entry.paymentId), 'declined', entry.at, entry.reason);
        waitingOn.delete(entry.holdId);
        break;
      case 'purchased':
        settle(attempt(entry.holdId, entry.paymentId), 'purchased', entry.at, '');
        waitingOn.delete(entry.holdId);
        break;
      case 'refundDue':
        settle(attempt(entry.holdId, entry.paymentId), 'refundDue', entry.at, entry.reason);
        break;
      case 'refunded':
        settle(attempt(entry.holdId, entry.paymentId), 'refunded', entry.at);
        break;
      case 'expired':
      case 'released': {
        const lapsed = waitingOn.get(entry.holdId);
        if (lapsed?.status === 'pending') settle(lapsed, 'failed', entry.at, 'holdEnded');
        waitingOn.delete(entry.holdId);
        break;
      }
    }
  }
  const list = [...attempts.values()];
  const totals = Object.fromEntries(ATTEMPT_STATUSES.map((status) => [status, 0])) as PaymentReconciliation['totals'];
  for (const a of list) totals[a.status]++;
  totals.attempts = list.length;
  return { eventId, totals, attempts: list };
}

/** One row per attempt, times as ISO 8601. */
export function reconciliationCsv(reconciliation: PaymentReconciliation): string {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  const lines = ['paymentId,holdId,status,reason,amount,currency,startedAt,settledAt'];
  for (const a of reconciliation.attempts) {
    lines.push([a.paymentId, a.holdId, a.status, a.reason, a.amount, a.currency, iso(a.startedAt), iso(a.settledAt)].map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
