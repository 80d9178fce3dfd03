/**
 * Fans who play by the rules while the gateway is attacked. After every
 * round each must still be connected, still get the queue's updates, and
 * still own its place: resumed with its queue token, it gets the same number
 * back.
 */
import type { QueueMessage, ServerMessage } from '../../src/protocol/index.js';
import { FanClient } from '../helpers/fan-client.js';

export interface HonestCrowd {
  readonly eventId: string;
  /** Throws, saying which fan and what, when any fan lost its connection, its updates or its place. */
  check(): Promise<void>;
  close(): Promise<void>;
}

interface Honest {
  fanId: string;
  client: FanClient;
  number: number;
  token: string;
}

const TIMEOUT_MS = 5000;

export async function honestCrowd(port: number, apiKey: string, size: number): Promise<HonestCrowd> {
  const base = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const eventId = `honest-${process.pid}-${Date.now()}`;
  const now = Date.now();
  const created = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      publish: true,
      config: {
        id: eventId, name: 'Honest night', preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000, maxTicketsPerFan: 2,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 100, quantity: 1000 }] },
        // Nobody is admitted while the test runs: the places stay put, so a moved one is a lost one.
        admission: { mode: 'concurrency', maxActiveShoppers: 1 }, presenceGraceMs: 60_000,
        door: { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 },
      },
    }),
  });
  if (created.status !== 201) throw new Error(`honest event: ${created.status} ${await created.text()}`);
  let witnesses = 0;
  const join = async (fanId: string): Promise<Honest> => {
    const client = await FanClient.connect(wsUrl);
    const joined = await client.join(eventId, fanId);
    return { fanId, client, number: joined.number!, token: joined.queueToken };
  };
  // The first takes the only shopping slot; the others wait behind it.
  let fans: Honest[] = [];
  for (let i = 0; i < size; i++) fans.push(await join(`honest-${i}`));

  return {
    eventId,
    async check() {
      for (const fan of fans) {
        if (fan.client.ws.readyState !== fan.client.ws.OPEN) throw new Error(`${fan.fanId} lost its connection`);
        const pong = await fan.client.request({ t: 'ping', clientTime: 1 }, TIMEOUT_MS).catch((err: Error) => err);
        if (pong instanceof Error || pong.t !== 'pong') throw new Error(`${fan.fanId}: no pong (${String(pong instanceof Error ? pong.message : pong.t)})`);
      }
      // An update everybody must see: a new fan joins, so the line grows.
      const witness = await join(`witness-${++witnesses}`);
      await Promise.all(fans.map(async (fan) => {
        const grown = (m: ServerMessage): m is QueueMessage => m.t === 'queue' && m.eventId === eventId && m.lastNumber >= witness.number;
        await fan.client.next(grown, TIMEOUT_MS)
          .catch(() => Promise.reject(new Error(`${fan.fanId} got no queue update after fan ${witness.number} joined`)));
      }));
      await witness.client.close();
      // Each place still belongs to its fan: resumed elsewhere, the same number comes back.
      fans = await Promise.all(fans.map(async (fan) => {
        const client = await FanClient.connect(wsUrl);
        const resumed = await client.join(eventId, fan.fanId, { token: fan.token });
        if (!resumed.restored || resumed.number !== fan.number) {
          throw new Error(`${fan.fanId} lost its place: restored=${String(resumed.restored)}, number ${resumed.number} instead of ${fan.number}`);
        }
        await fan.client.close();
        return { ...fan, client, token: resumed.queueToken };
      }));
    },
    async close() {
      await Promise.all(fans.map((fan) => fan.client.close()));
    },
  };
}
