import type { Hold } from '../inventory/hold-book.js';
import type { Phase } from '../lifecycle/sale-machine.js';

export interface GrantView {
  grantId: string;
  expiresAt: number;
}

export interface JoinResult {
  eventId: string;
  fanId: string;
  /** The place; 0 while in the pre-queue, until the shuffle at the on-sale time. */
  number: number;
  /** number − nowServing while waiting: fans that can still be ahead (some may have left). 0 once admitted. */
  position: number;
  /** `left`: the fan gave the place up; `lost`: gone longer than the presence grace period. */
  status: 'preQueue' | 'waiting' | 'admitted' | 'left' | 'lost';
  phase: Phase;
  nowServing: number;
  grant: GrantView | undefined;
}

export interface HoldView {
  holdId: string;
  fanId: string;
  status: Hold['status'];
  tierId?: string;
  seatIds?: string[];
  quantity: number;
  expiresAt: number;
  extended: boolean;
  paymentId?: string;
  pendingUntil?: number;
}

export function holdView(hold: Hold): HoldView {
  const view: HoldView = {
    holdId: hold.id, fanId: hold.fanId, status: hold.status, quantity: hold.allocation.quantity,
    expiresAt: hold.expiresAt, extended: hold.extended,
  };
  if (hold.allocation.tierId !== undefined) view.tierId = hold.allocation.tierId;
  if (hold.allocation.seatIds !== undefined) view.seatIds = [...hold.allocation.seatIds];
  if (hold.paymentId !== undefined) view.paymentId = hold.paymentId;
  if (hold.pendingUntil !== undefined && hold.status === 'paymentPending') view.pendingUntil = hold.pendingUntil;
  return view;
}

/** An event's live figures, for organizers and operators. */
export interface EventStatus {
  eventId: string;
  name: string;
  phase: Phase;
  /** SHA-256 of the shuffle seed, published when the pre-queue opens. */
  commitment: string | undefined;
  /** The seed itself, revealed at the on-sale time. */
  seed: string | undefined;
  nowServing: number;
  lastNumber: number;
  waiting: number;
  joined: number;
  admitted: number;
  openGrants: number;
  activeShoppers: number;
  tickets: { free: number; held: number; sold: number };
  holds: { active: number; paymentPending: number; expired: number; released: number };
  soldOutAt: number | undefined;
}
