import { describe, expect, it } from 'vitest';
import { subnetOf } from '../../engine/src/door/subnet.js';
import { NAT_ADDRESS, ownAddressOf } from '../src/model/crowd-addresses.js';
import { Doorway } from '../src/model/doorway.js';
import { BotFarm, fanSolveMs } from '../src/model/farm.js';
import { FanTable, fanIdOf } from '../src/model/fan-table.js';
import { DEFAULT_SCENARIO } from '../src/scenario/defaults.js';
import type { BotSpec } from '../src/scenario/types.js';

const TIMES = { onSaleMs: 0, drawEndsMs: 0, cohortEndsMs: 0, horizonMs: 60_000 };
const spec = (patch: Partial<BotSpec>): BotSpec => ({ ...DEFAULT_SCENARIO.bots, fraction: 0.1, ...patch });

/** A crowd of `size` arrivals; `bots` and `nat` list which arrivals are bots and which fans share the NAT address. */
function crowd(size: number, bots: number[], nat: number[] = []) {
  const bot = new Uint8Array(size);
  const shared = new Uint8Array(size);
  for (const b of bots) bot[b] = 1;
  for (const n of nat) shared[n] = 1;
  return new FanTable(size, bot, shared);
}

describe('the bot farm', () => {
  it('spreads its arrivals over its accounts, addresses and subnets as evenly as the counts allow', () => {
    const farm = new BotFarm(spec({ accounts: 4, addresses: 6, subnets: 3 }), 24, false);
    expect([farm.accounts, farm.addresses, farm.subnets]).toEqual([4, 6, 3]);
    const accounts = Array.from({ length: 24 }, (_, k) => farm.accountOf(k));
    expect(new Set(accounts).size).toBe(4);
    for (let a = 0; a < 4; a++) expect(accounts.filter((x) => x === a)).toHaveLength(6);
    const addresses = Array.from({ length: 24 }, (_, k) => farm.addressOf(k));
    expect(new Set(addresses).size).toBe(6);
    expect(new Set(addresses.map(subnetOf)).size).toBe(3);
    // Each subnet holds two of the addresses, each address four of the arrivals.
    for (const subnet of new Set(addresses.map(subnetOf))) expect(new Set(addresses.filter((a) => subnetOf(a) === subnet)).size).toBe(2);
  });

  it('has one account, one address and one subnet per arrival when the counts are left at 0', () => {
    const farm = new BotFarm(spec({}), 500, false);
    expect([farm.accounts, farm.addresses, farm.subnets]).toEqual([500, 500, 500]);
    expect(new Set(Array.from({ length: 500 }, (_, k) => subnetOf(farm.addressOf(k)))).size).toBe(500);
  });

  it('refuses more addresses than its subnets can hold', () => {
    expect(() => new BotFarm(spec({ addresses: 1_000, subnets: 3 }), 2_000, false)).toThrow(/do not fit/);
  });

  it('solves proofs of work one after another on its compute: at most hashesPerSec / 2^bits a second', () => {
    const farm = new BotFarm(spec({ hashesPerSec: 2 ** 20 }), 100, false);
    // A hundred bots ask at once for 16 bits: 2^16 hashes each, 2^20 a second, so 16 solves a second.
    const done = Array.from({ length: 100 }, () => farm.solve(16, 1_000));
    expect(done[0]).toBe(1_063);
    expect(done.filter((t) => t <= 2_000)).toHaveLength(16);
    expect(done[99]).toBe(1_000 + Math.ceil((100 * 1000) / 16));
    expect(farm.solves).toBe(100);
    expect(farm.hashesSpent).toBe(100 * 2 ** 16);
    // Idle compute starts a new solve at once.
    expect(farm.solve(10, 60_000)).toBe(60_001);
  });

  it('a fan solves on its own device, in parallel with every other fan', () => {
    expect(fanSolveMs(20, 2 ** 20)).toBe(1_000);
    expect(fanSolveMs(0, 2 ** 20)).toBe(1);
  });
});

describe('the doorway', () => {
  it('in an anonymous event, every bot arrival joins under its own fan id', () => {
    const fans = crowd(6, [1, 2, 4, 5]);
    const door = new Doorway(fans, new BotFarm(spec({ accounts: 2 }), 4, false), 2 ** 20, TIMES);
    expect([0, 1, 2, 3, 4, 5].map((f) => door.identityOf(f))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(door.attempt(4).fanId).toBe(fanIdOf(4));
    expect([1, 2, 4, 5].some((f) => door.isRepeat(f))).toBe(false);
  });

  it('in a verified event, a bot account joins under one fan id however often it tries', () => {
    const fans = crowd(8, [1, 2, 4, 5, 6, 7]);
    // Bot ordinals 0..5 are arrivals 1, 2, 4, 5, 6, 7; accounts 0, 1, 0, 1, 0, 1.
    const door = new Doorway(fans, new BotFarm(spec({ accounts: 2, addresses: 6, subnets: 6 }), 6, true), 2 ** 20, TIMES);
    expect([1, 2, 4, 5, 6, 7].map((f) => door.attempt(f).fanId)).toEqual([1, 2, 1, 2, 1, 2].map(fanIdOf));
    expect([1, 2, 4, 5, 6, 7].map((f) => door.isRepeat(f))).toEqual([false, false, true, true, true, true]);
    // ... from a different address each time.
    expect(new Set([1, 2, 4, 5, 6, 7].map((f) => door.attempt(f).address)).size).toBe(6);
    expect(door.attempt(3).fanId).toBe(fanIdOf(3));
  });

  it('puts the NAT fans behind one address and every other fan on its own', () => {
    const fans = crowd(1_000, [], [10, 20, 30]);
    const door = new Doorway(fans, new BotFarm(spec({}), 0, false), 2 ** 20, TIMES);
    expect([10, 20, 30].map((f) => door.attempt(f).address)).toEqual([NAT_ADDRESS, NAT_ADDRESS, NAT_ADDRESS]);
    const own = Array.from({ length: 1_000 }, (_, f) => f).filter((f) => fans.nat[f] === 0).map(ownAddressOf);
    expect(new Set(own).size).toBe(own.length);
    expect(own).not.toContain(NAT_ADDRESS);
    expect(own.every((a) => !a.startsWith('10.'))).toBe(true);
  });

  it('charges real fans their own device time and bots the farm’s compute', () => {
    const fans = crowd(4, [2, 3]);
    const door = new Doorway(fans, new BotFarm(spec({ hashesPerSec: 2 ** 24 }), 2, false), 2 ** 20, TIMES);
    expect(door.solve(0, 20, 5_000)).toBe(6_000);
    expect(door.solve(1, 20, 5_000)).toBe(6_000);
    expect(door.solve(2, 20, 5_000)).toBe(5_063);
    expect(door.solve(3, 20, 5_000)).toBe(5_125);
    expect(door.attempt(2).powBits).toBe(20);
  });
});
