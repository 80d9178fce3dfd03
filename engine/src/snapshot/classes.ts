import { CodeBook } from '../access/code-book.js';
import { DecayingCount, PaceTable } from '../door/pace-table.js';
import { Door } from '../door/door.js';
import { TokenBucket } from '../event/admission.js';
import { FanAccount, FanAccounts } from '../event/fan-accounts.js';
import { GrantBook } from '../event/grant-book.js';
import { SaleEvent } from '../event/sale-event.js';
import { HoldBook } from '../inventory/hold-book.js';
import { Inventory } from '../inventory/inventory.js';
import { SeatMap } from '../inventory/seat-map.js';
import { GaTiers } from '../inventory/tiers.js';
import { GradientLimiter } from '../payments/gradient-limiter.js';
import { HealthWindow } from '../payments/health-window.js';
import { PaymentChannel } from '../payments/payment-channel.js';
import { PaymentDesk } from '../payments/payment-desk.js';
import { FanIndex } from '../queue/fan-index.js';
import { PendingDraw } from '../queue/pending-draw.js';
import { PlaceKeys } from '../queue/place-keys.js';
import { WaitingRoom } from '../queue/waiting-room.js';
import { RegistrationBook } from '../registration/registration-book.js';
import { DeadlineHeap } from '../util/deadline-heap.js';
import { FenwickCounts } from '../util/fenwick-counts.js';

/**
 * Every class an event's state may hold, by the name its snapshots carry
 * (object keys, which no minifier renames). Snapshotting an instance of a
 * class missing here throws, so a new class cannot be silently left out.
 */
export const EVENT_CLASSES = {
  SaleEvent, WaitingRoom, PlaceKeys, FanIndex, PendingDraw,
  Inventory, GaTiers, SeatMap, HoldBook, DeadlineHeap, FenwickCounts,
  PaymentDesk, PaymentChannel, HealthWindow, GradientLimiter,
  FanAccounts, FanAccount, GrantBook, TokenBucket, CodeBook, RegistrationBook,
  Door, PaceTable, DecayingCount,
} as const;
