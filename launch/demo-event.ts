/**
 * The event `npm start` creates: general-admission tiers and a small reserved
 * venue, pre-queue open at once, on sale a minute later.
 */
import type { EventConfigInput, SectionConfig } from '../engine/src/index.js';
import type { EventSettings } from '../engine/host/event-settings.js';

export const DEMO_EVENT_ID = 'demo';

function venue(): SectionConfig[] {
  // Two sections of 4 rows × 10 seats; rows 1–2 are category A, 3–4 category B; rank grows away from the stage and the centre.
  return ['left', 'right'].map((side) => ({
    id: side === 'left' ? 'L' : 'R',
    name: side === 'left' ? 'Stalls left' : 'Stalls right',
    rows: [1, 2, 3, 4].map((row) => ({
      id: String(row),
      seats: Array.from({ length: 10 }, (_, i) => ({
        label: String(i + 1),
        category: row <= 2 ? 'A' : 'B',
        rank: row * 100 + (side === 'left' ? 10 - i : i + 1),
      })),
    })),
  }));
}

export function demoEventConfig(now: number): EventConfigInput {
  return {
    id: DEMO_EVENT_ID,
    name: 'Breakwater Demo Night',
    preQueueOpensAt: now,
    onSaleAt: now + 60_000,
    closesAt: now + 6 * 3600_000,
    inventory: {
      tiers: [
        { id: 'floor', name: 'Floor (standing)', price: 6500, quantity: 300 },
        { id: 'balcony', name: 'Balcony (standing)', price: 4500, quantity: 200 },
      ],
      sections: venue(),
    },
    maxTicketsPerFan: 4,
    paymentWindowMs: 5 * 60_000,
    holdExtensionMs: 2 * 60_000,
    paymentPendingMaxMs: 10 * 60_000,
    presenceGraceMs: 60_000,
    grantTtlMs: 2 * 60_000,
    admission: { mode: 'rate', fansPerMinute: 600, maxActiveShoppers: 150 },
  };
}

/** The demo event is the one event that offers the demo checkout without being told to. */
export const DEMO_SETTINGS: Partial<EventSettings> = { currency: 'EUR', categoryPrices: { A: 9900, B: 7900 }, powDifficulty: 0, payments: { channels: ['demo'] } };
