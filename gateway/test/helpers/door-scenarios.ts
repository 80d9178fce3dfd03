/**
 * The door's budgets against a real deployment of two gateway processes on
 * one port (two workers, or two cluster-mode gateways): clients bind to
 * loopback addresses (127.x.y.z) to play different addresses and subnets, and
 * each test first spreads its connections over both processes, so only
 * counts shared between them can refuse anything.
 *
 * The deployment runs with `DOOR_FLAGS`.
 */
import { expect } from 'vitest';
import { FanClient } from './fan-client.js';
import { eventually } from './test-gateway.js';

export const DOOR_FLAGS = [
  '--max-conns-per-ip', '4', '--max-conns-per-subnet', '6', '--joins-per-ip', '1', '--join-burst-per-ip', '10', '--exempt-ip', '127.0.6.9',
];
const SHARED_WITHIN_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DoorScenarios {
  private readonly clients: FanClient[] = [];

  constructor(private readonly port: number) {}

  /** A client from `address`, or the HTTP status that refused it. */
  async attempt(address: string): Promise<FanClient | number> {
    try {
      const client = await FanClient.connect(`ws://127.0.0.1:${this.port}/ws`, { localAddress: address });
      this.clients.push(client);
      return client;
    } catch (err) {
      const status = /upgrade refused: (\d+)/.exec((err as Error).message);
      if (status === null) throw err;
      return Number(status[1]);
    }
  }

  async connect(address: string): Promise<FanClient> {
    const client = await this.attempt(address);
    if (typeof client === 'number') throw new Error(`a connection from ${address} was refused (${client})`);
    return client;
  }

  /** `perProcess` connections from `address` on each of the two processes (the kernel picks: extra ones are closed again). */
  async spread(address: string, perProcess: number): Promise<Map<string, FanClient[]>> {
    const byProcess = new Map<string, FanClient[]>();
    for (let attempt = 0; attempt < 100; attempt++) {
      const client = await this.attempt(address);
      if (typeof client === 'number') {
        // An extra connection just closed may still count on the other process until its next report.
        await sleep(300);
        continue;
      }
      const mine = byProcess.get(client.serverId!) ?? [];
      if (mine.length < perProcess) {
        mine.push(client);
        byProcess.set(client.serverId!, mine);
      } else {
        await client.close();
      }
      if (byProcess.size === 2 && [...byProcess.values()].every((c) => c.length === perProcess)) return byProcess;
    }
    throw new Error('the connections did not spread over both processes: is SO_REUSEPORT spreading them?');
  }

  /**
   * Waits until connections from `address` are refused with 429 six times in
   * a row — on whichever process the kernel hands them to — closing any
   * accepted meanwhile (a process had not heard the other's counts yet).
   */
  async refusedSoon(address: string): Promise<void> {
    await eventually(async () => {
      for (let i = 0; i < 6; i++) {
        const result = await this.attempt(address);
        if (typeof result !== 'number') await result.close();
        expect(result).toBe(429);
      }
    }, SHARED_WITHIN_MS);
  }

  async acceptedSoon(address: string): Promise<void> {
    await eventually(async () => {
      const result = await this.attempt(address);
      expect(typeof result).not.toBe('number');
    }, SHARED_WITHIN_MS);
  }

  /** Connections per address: 2 + 2 over both processes reach the budget of 4; closing two lets new ones in. */
  async connectionsPerAddress(): Promise<void> {
    const byProcess = await this.spread('127.0.5.1', 2);
    await this.refusedSoon('127.0.5.1');
    expect(await this.attempt('127.0.5.2')).not.toBeTypeOf('number');
    for (const clients of byProcess.values()) await clients[0]!.close();
    await this.acceptedSoon('127.0.5.1');
  }

  /** Connections per subnet: three addresses of 127.0.6.0/24, spread, reach its budget of 6; other subnets and the exempt address pass. */
  async connectionsPerSubnet(): Promise<void> {
    await this.spread('127.0.6.1', 1);
    await this.spread('127.0.6.2', 1);
    await this.spread('127.0.6.3', 1);
    await this.refusedSoon('127.0.6.4');
    for (let i = 0; i < 3; i++) await this.connect('127.0.7.1');
    for (let i = 0; i < 8; i++) await this.connect('127.0.6.9');
  }

  /**
   * Joins per address: 5 + 5 joins over both processes fill the burst of 10.
   * Then each process refuses the address within a few paced attempts: on its
   * own it would still let 5 more in.
   */
  async joinsPerAddress(eventId: string): Promise<void> {
    const byProcess = await this.spread('127.0.8.1', 1);
    const [first, second] = [...byProcess.values()].map((clients) => clients[0]!);
    let fan = 0;
    const joinAndLeave = async (client: FanClient): Promise<{ t: string; code?: string; details?: unknown }> => {
      const reply = await client.request({ t: 'join', eventId, fanId: `door-fan-${++fan}`, token: null, powChallenge: null, powNonce: null, accessCode: null, identity: null });
      if (reply.t === 'joined') expect(await client.request({ t: 'leave' })).toMatchObject({ t: 'left' });
      return reply as { t: string };
    };
    for (let i = 0; i < 5; i++) {
      expect(await joinAndLeave(first!)).toMatchObject({ t: 'joined' });
      expect(await joinAndLeave(second!)).toMatchObject({ t: 'joined' });
    }
    for (const client of [first!, second!]) {
      let admitted = 0;
      for (;;) {
        const reply = await joinAndLeave(client);
        if (reply.t === 'error') {
          expect(reply).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'joinsPerIp', max: 10 } });
          break;
        }
        admitted++;
        expect(admitted, 'joins admitted past the shared budget').toBeLessThanOrEqual(2);
        await sleep(250);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}
