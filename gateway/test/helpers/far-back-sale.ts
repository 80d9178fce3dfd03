/**
 * A sale where the back of the line is beyond the away horizon, and a fan
 * there who closed the page is recalled: shared by the tests of each channel
 * a recall goes by (organizer webhook, Web Push).
 */
import { expect } from 'vitest';
import type { EventSettings } from '../../../engine/host/event-settings.js';
import type { QueueMessage } from '../../src/protocol/messages.js';
import type { FanClient } from './fan-client.js';
import { eventually, type TestGateway } from './test-gateway.js';

export const FAR_BACK_ANSWER_MS = 10 * 60_000;

export interface FarBackSale {
  eventId: string;
  /** The fans in number order: fans[i] holds number i + 1. */
  fans: FanClient[];
  fanIds: string[];
  /** The away horizon after the first admissions. */
  awayAfter: number;
}

/**
 * 40 tickets, 2 a fan, five shoppers at a time (engine/test/waitlist.test.ts
 * "the away horizon"): `count` fans join in order after the start, and the
 * first tick admits five. Every ticket left serves ⌈(40 / 2 − 5) × 125 %⌉ =
 * 19 more places: the horizon is number 24.
 */
export async function farBackSale(gw: TestGateway, connect: () => Promise<FanClient>, prefix: string, settings: Partial<EventSettings> = {}, count = 30): Promise<FarBackSale> {
  const eventId = await gw.createEvent({
    name: 'Far night',
    inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 40 }], sections: [] },
    maxTicketsPerFan: 2,
    admission: { mode: 'auto', maxActiveShoppers: 5 },
    waitlist: { callAnswerMs: FAR_BACK_ANSWER_MS },
  }, settings);
  await gw.advance(60_000);
  const fans: FanClient[] = [];
  const fanIds: string[] = [];
  for (let n = 1; n <= count; n++) {
    const client = await connect();
    await client.join(eventId, `${prefix}${n}`);
    fans.push(client);
    fanIds.push(`${prefix}${n}`);
  }
  await gw.advance(250);
  const queue = await fans[count - 1]!.next((m): m is QueueMessage => m.t === 'queue' && m.nowServing === 5);
  if (queue.awayAfter === null) throw new Error(`no away horizon: ${JSON.stringify(queue)}`);
  return { eventId, fans, fanIds, awayAfter: queue.awayAfter };
}

/** The fan numbered `number` closes the page; the engine hears it went. */
export async function closePage(gw: TestGateway, sale: FarBackSale, number: number): Promise<void> {
  await sale.fans[number - 1]!.close();
  const fanId = sale.fanIds[number - 1]!;
  await eventually(() => expect(gw.host.engine.event(sale.eventId).room.isConnected(fanId)).toBe(false));
}

/** Fans numbered 6 to 20 give their places up: the tickets left now reach every place left, and the next tick recalls the fans away there. */
export async function fansAheadLeave(gw: TestGateway, sale: FarBackSale): Promise<void> {
  for (let n = 6; n <= 20; n++) {
    const reply = await sale.fans[n - 1]!.request({ t: 'leave' });
    if (reply.t !== 'left') throw new Error(JSON.stringify(reply));
  }
  await gw.advance(250);
}
