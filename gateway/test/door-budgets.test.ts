/**
 * The door's budgets per address and per subnet, counted across processes:
 * one suite run against both exchanges (fork channels relayed by a parent,
 * and NATS), each "process" a DoorBudgets with its own exchange and a clock
 * the test moves; then what one process keeps to itself (memory, reports).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type LocalServer } from '../../launch/local-servers.js';
import { NatsDoorExchange } from '../src/protection/nats-door-exchange.js';
import type { ForkEnd } from '../../engine/link/ipc.js';
import { DoorBudgets, type DoorLimits } from '../src/protection/door-budgets.js';
import { WindowCounts } from '../src/protection/door-counts.js';
import { DoorRelay, IpcDoorExchange, type DoorExchange } from '../src/protection/door-exchange.js';
import { eventually } from './helpers/test-gateway.js';

const LIMITS: DoorLimits = {
  maxConnectionsPerIp: 4, maxConnectionsPerSubnet: 6, joinsPerIpPerSec: 1, joinBurstPerIp: 5, joinsPerSubnetPerSec: 2, joinBurstPerSubnet: 8,
};
const TTL_MS = 2_000;

/** A fork channel end over a MessagePort: structured clone and asynchronous delivery, as between processes. */
function forkEnd(port: MessagePort): ForkEnd {
  return {
    connected: true,
    send: (message, callback) => {
      port.postMessage(message);
      callback(null);
      return true;
    },
    on: (event, listener) => port.on(event, listener),
    off: (event, listener) => port.off(event, listener),
  };
}

interface Transport {
  name: string;
  /** `count` connected exchanges, and how to let go of them. */
  open(count: number): Promise<{ exchanges: DoorExchange[]; close(): Promise<void> }>;
}

let nats: LocalServer;

const TRANSPORTS: Transport[] = [
  {
    name: 'fork channels through the parent process',
    async open(count) {
      const relay = new DoorRelay();
      const ports: MessagePort[] = [];
      const exchanges = Array.from({ length: count }, () => {
        const { port1, port2 } = new MessageChannel();
        ports.push(port1, port2);
        relay.attach(forkEnd(port2));
        return new IpcDoorExchange(forkEnd(port1));
      });
      return {
        exchanges,
        async close() {
          for (const exchange of exchanges) await exchange.close();
          for (const port of ports) port.close();
        },
      };
    },
  },
  {
    name: 'NATS',
    async open(count) {
      const exchanges = await Promise.all(Array.from({ length: count }, (_, i) => NatsDoorExchange.connect(nats.url, `test-${i}`)));
      return {
        exchanges,
        async close() {
          for (const exchange of exchanges) await exchange.close();
        },
      };
    },
  },
];

beforeAll(async () => {
  nats = await startNatsServer();
}, 20_000);

afterAll(async () => {
  await nats?.stop();
});

describe.each(TRANSPORTS)('budgets shared over $name', (transport) => {
  let clock = 1_000_000;
  let processes: DoorBudgets[] = [];
  let heard: Map<DoorBudgets, number>;
  let close: () => Promise<void> = async () => undefined;

  async function start(count: number, exempt: string[] = []): Promise<DoorBudgets[]> {
    const opened = await transport.open(count);
    close = opened.close;
    heard = new Map();
    processes = opened.exchanges.map((exchange) => {
      const budgets = new DoorBudgets({ limits: LIMITS, isExempt: (ip) => exempt.includes(ip), exchange, now: () => clock, peerTtlMs: TTL_MS });
      heard.set(budgets, 0);
      exchange.subscribe((report) => {
        if (report.from !== budgets.id) heard.set(budgets, heard.get(budgets)! + 1);
      });
      return budgets;
    });
    return processes;
  }

  /** Every process reports once and hears every other's report (what the 250 ms timer does). */
  async function shareAll(): Promise<void> {
    const before = new Map(heard);
    for (const budgets of processes) budgets.share();
    await eventually(() => {
      for (const budgets of processes) expect(heard.get(budgets)! - before.get(budgets)!).toBeGreaterThanOrEqual(processes.length - 1);
    }, 5_000);
  }

  afterEach(async () => {
    for (const budgets of processes) budgets.stop();
    await close();
  });

  it('counts an address\'s connections on every process together, and frees them as they close', async () => {
    const [a, b] = await start(2);
    for (const budgets of [a!, a!, b!, b!]) {
      expect(budgets.admitConnection('127.0.5.1')).toBeUndefined();
      budgets.opened('127.0.5.1');
    }
    await shareAll();
    expect(a!.admitConnection('127.0.5.1')).toMatchObject({ budget: 'connectionsPerIp', max: 4 });
    expect(b!.admitConnection('127.0.5.1')).toMatchObject({ budget: 'connectionsPerIp', max: 4 });
    expect(b!.admitConnection('127.0.9.1')).toBeUndefined();
    a!.closed('127.0.5.1');
    await shareAll();
    expect(b!.admitConnection('127.0.5.1')).toBeUndefined();
    expect(b!.figures()).toMatchObject({ refused: { connectionsPerIp: 1 }, peers: 1 });
  });

  it('counts a subnet\'s connections over its addresses and over every process', async () => {
    const [a, b] = await start(2);
    for (const [budgets, ip] of [[a, '127.0.6.1'], [a, '127.0.6.1'], [a, '127.0.6.2'], [b, '127.0.6.2'], [b, '127.0.6.3'], [b, '127.0.6.3']] as const) {
      expect(budgets!.admitConnection(ip)).toBeUndefined();
      budgets!.opened(ip);
    }
    await shareAll();
    expect(a!.admitConnection('127.0.6.4')).toMatchObject({ budget: 'connectionsPerSubnet', max: 6 });
    expect(b!.admitConnection('127.0.6.1')).toMatchObject({ budget: 'connectionsPerSubnet', max: 6 });
    expect(b!.admitConnection('127.0.7.1')).toBeUndefined();
    b!.closed('127.0.6.3');
    await shareAll();
    expect(a!.admitConnection('127.0.6.4')).toBeUndefined();
  });

  it('counts joins per address and subnet across processes over a sliding window, and lets them in again as it slides', async () => {
    const [a, b] = await start(2);
    for (const budgets of [a, a, a, b, b]) expect(budgets!.admitJoin('127.0.8.1')).toBeUndefined();
    await shareAll();
    const refused = b!.admitJoin('127.0.8.1');
    expect(refused).toMatchObject({ budget: 'joinsPerIp', max: 5 });
    expect(refused!.retryAfterMs).toBeGreaterThan(0);
    expect(a!.admitJoin('127.0.8.1')).toMatchObject({ budget: 'joinsPerIp' });
    for (const budgets of [a, b, b]) expect(budgets!.admitJoin('127.0.8.2')).toBeUndefined();
    await shareAll();
    expect(a!.admitJoin('127.0.8.3')).toMatchObject({ budget: 'joinsPerSubnet', max: 8 });
    // The join windows (5 s per address, 4 s per subnet) slide by.
    clock += 10_000;
    await shareAll();
    expect(b!.admitJoin('127.0.8.1')).toBeUndefined();
    expect(a!.admitJoin('127.0.8.3')).toBeUndefined();
  });

  it('overshoots by at most the other processes\' headroom during one period, and not after the next report', async () => {
    const [a, b, c] = await start(3);
    let admitted = 0;
    // A burst lands on all three before anyone reports: each sees only its own count.
    for (const budgets of [a, b, c]) {
      while (budgets!.admitConnection('127.0.10.1') === undefined) {
        budgets!.opened('127.0.10.1');
        admitted++;
      }
    }
    expect(admitted).toBe(3 * LIMITS.maxConnectionsPerIp);
    await shareAll();
    for (const budgets of [a, b, c]) expect(budgets!.admitConnection('127.0.10.1')).toMatchObject({ budget: 'connectionsPerIp' });
  });

  it('forgets a process that stopped reporting (it died, and its sockets with it)', async () => {
    const [a, b] = await start(2);
    for (let i = 0; i < 4; i++) a!.opened('127.0.11.1');
    await shareAll();
    expect(b!.admitConnection('127.0.11.1')).toMatchObject({ budget: 'connectionsPerIp' });
    expect(b!.figures().peers).toBe(1);
    clock += TTL_MS;
    expect(b!.admitConnection('127.0.11.1')).toBeUndefined();
    expect(b!.figures().peers).toBe(0);
  });

  it('neither counts nor refuses an exempt address, on any process', async () => {
    const [a, b] = await start(2, ['127.0.12.1']);
    for (let i = 0; i < 10; i++) {
      expect(a!.admitConnection('127.0.12.1')).toBeUndefined();
      a!.opened('127.0.12.1');
      expect(a!.admitJoin('127.0.12.1')).toBeUndefined();
    }
    await shareAll();
    expect(b!.admitConnection('127.0.12.2')).toBeUndefined();
    expect(b!.admitJoin('127.0.12.2')).toBeUndefined();
    expect(a!.report().counts).toEqual({});
  });
});

describe('what one process keeps and tells', () => {
  it('holds a bounded number of keys under a spray of addresses, and reports at most its cap', () => {
    const limits = { ...LIMITS, joinsPerSubnetPerSec: 1_000_000, joinBurstPerSubnet: 1_000_000 };
    const budgets = new DoorBudgets({ limits, isExempt: () => false, maxKeys: 1_000, maxReportedKeys: 100 });
    for (let i = 0; i < 50_000; i++) budgets.admitJoin(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const { trackedKeys } = budgets.figures();
    expect(trackedKeys.address).toBeGreaterThanOrEqual(500);
    expect(trackedKeys.address).toBeLessThanOrEqual(1_000);
    expect(trackedKeys.subnet).toBeLessThanOrEqual(1_000);
    expect(budgets.report().counts.joinsPerIp).toHaveLength(100);
  });

  it('keeps counting a busy address through a spray (it stays young), and forgets the spray\'s', () => {
    const window = new WindowCounts(60_000, 1_000);
    for (let i = 0; i < 10_000; i++) {
      window.add(`spray-${i}`, 1_000);
      if (i % 100 === 0) window.add('busy', 1_000);
    }
    expect(window.of('busy', 1_000)).toBe(100);
    expect(window.of('spray-0', 1_000)).toBe(0);
    expect(window.size).toBeLessThanOrEqual(1_000);
  });

  it('leaves out of its report the keys too small to tip a decision (under 1/8 of the limit per process)', () => {
    const limits = { ...LIMITS, maxConnectionsPerIp: 1_000, maxConnectionsPerSubnet: 10_000 };
    const budgets = new DoorBudgets({ limits, isExempt: () => false });
    for (let i = 0; i < 124; i++) budgets.opened('198.51.100.1');
    for (let i = 0; i < 125; i++) budgets.opened('198.51.100.2');
    expect(budgets.report().counts.connectionsPerIp).toEqual([['198.51.100.2', 125]]);
    expect(budgets.report().counts.connectionsPerSubnet).toBeUndefined();
  });

  it('slides the join window: a full window drains linearly over the next one', () => {
    const window = new WindowCounts(1_000, 10);
    for (let i = 0; i < 10; i++) window.add('k', 5_999);
    expect(window.of('k', 5_999)).toBe(10);
    expect(window.of('k', 6_250)).toBeCloseTo(7.5);
    expect(window.of('k', 6_750)).toBeCloseTo(2.5);
    expect(window.of('k', 7_000)).toBe(0);
    window.sweep(7_000);
    expect(window.size).toBe(0);
  });
});
