/**
 * What every fan was told against what the journal says happened to it
 * (docs/operations.md, "No outcome lost in transit"), from the load
 * processes' per-fan records:
 *
 * - told but missing: a grant or a purchase a fan was told of that the
 *   journal does not have (a lie);
 * - happened but untold: an admission (or call) whose grant stayed open
 *   while the fan's socket was there throughout, yet the fan never heard of
 *   it; or a purchase, or a grant's lapse, the fan never heard of although
 *   its socket was there at some moment after it (a resumed place carries
 *   its holds and its lapsed turn).
 *
 * Outcomes while a fan had closed its page are not counted: they reach it
 * only when it comes back, and a grant may lapse meanwhile. Neither are those
 * of the last IN_FLIGHT_MS before the load processes reported: they may be on
 * their way.
 */
import type { JournalEntry } from '../../../engine/src/index.js';
import { grantIdOf } from '../../../engine/src/index.js';
import type { WorkerStats } from './messages.js';

export interface TransitCheck {
  toldButMissing: number;
  happenedButUntold: number;
  /** Of the told but missing: purchases (a checkout or webhook answered "confirmed" whose purchase the journal lacks). */
  approvedPaymentsLost: number;
  /** Of the happened but untold, grants whose lapse the fan was told (the turn's news came after its window: a catch-up or a late broadcast). */
  grantsToldOnlyLapsed: number;
  /** A few of each, `fanId: what`, for the report. */
  examples: string[];
}

type FanRecord = WorkerStats['told'][number];

interface Grant {
  fanId: string;
  at: number;
  /** When it stopped being open: used, expired, revoked, or its deadline. */
  closedAt: number;
}

const EXAMPLES = 10;
const IN_FLIGHT_MS = 2_000;

export function checkTransit(journal: readonly JournalEntry[], records: readonly FanRecord[], endedAt: number): TransitCheck {
  const grants = new Map<string, Grant>();
  /** Each fan's latest grant: a leave revokes it. */
  const latestGrant = new Map<string, Grant>();
  const holdOwner = new Map<string, string>();
  const purchased = new Map<string, number>();
  const lapsed: Array<{ grantId: string; fanId: string; at: number }> = [];
  for (const entry of journal) {
    switch (entry.type) {
      case 'admitted':
      case 'called':
        entry.fanIds.forEach((fanId, i) => {
          const grant = { fanId, at: entry.at, closedAt: entry.grantExpiresAt };
          grants.set(grantIdOf(entry.firstGrant, i), grant);
          latestGrant.set(fanId, grant);
        });
        break;
      case 'left':
        close(latestGrant.get(entry.fanId), entry.at);
        break;
      case 'grantExpired':
        close(grants.get(entry.grantId), entry.at);
        lapsed.push({ grantId: entry.grantId, fanId: entry.fanId, at: entry.at });
        break;
      case 'held':
        holdOwner.set(entry.holdId, entry.fanId);
        close(grants.get(entry.grantId), entry.at);
        break;
      case 'purchased':
        purchased.set(entry.holdId, entry.at);
        break;
      default:
        break;
    }
  }
  const check: TransitCheck = { toldButMissing: 0, happenedButUntold: 0, approvedPaymentsLost: 0, grantsToldOnlyLapsed: 0, examples: [] };
  const note = (kind: 'toldButMissing' | 'happenedButUntold', what: string): void => {
    check[kind]++;
    if (check.examples.length < EXAMPLES) check.examples.push(`${kind} ${what}`);
  };
  const byFan = new Map(records.map((record) => [record.fanId, record]));
  for (const record of records) {
    for (const grantId of record.grants) if (grants.get(grantId)?.fanId !== record.fanId) note('toldButMissing', `${record.fanId}: grant ${grantId}`);
    for (const holdId of record.purchases) {
      if (purchased.has(holdId)) continue;
      check.approvedPaymentsLost++;
      note('toldButMissing', `${record.fanId}: purchase of ${holdId}`);
    }
  }
  for (const [grantId, grant] of grants) {
    const record = byFan.get(grant.fanId);
    if (record === undefined || record.grants.includes(grantId)) continue;
    if (grant.at > endedAt - IN_FLIGHT_MS) continue;
    if (!onlineThroughout(record, grant.at, Math.min(grant.closedAt, endedAt))) continue;
    const lapseTold = record.lapses.includes(grantId);
    if (lapseTold) check.grantsToldOnlyLapsed++;
    note('happenedButUntold', `${grant.fanId}: grant ${grantId} (${clock(grant.at)}–${clock(grant.closedAt)}${lapseTold ? ', told only its lapse' : ''})`);
  }
  for (const [holdId, at] of purchased) {
    const record = byFan.get(holdOwner.get(holdId) ?? '');
    if (record === undefined || record.purchases.includes(holdId) || at > endedAt - IN_FLIGHT_MS) continue;
    if (!offlineThroughout(record, at, endedAt)) note('happenedButUntold', `${record.fanId}: purchase of ${holdId}`);
  }
  for (const { grantId, fanId, at } of lapsed) {
    const record = byFan.get(fanId);
    if (record === undefined || record.lapses.includes(grantId) || at > endedAt - IN_FLIGHT_MS) continue;
    if (!offlineThroughout(record, at, endedAt)) note('happenedButUntold', `${fanId}: lapse of grant ${grantId}`);
  }
  return check;
}

/** A wall-clock instant as the chaos run's timeline prints it. */
const clock = (at: number): string => new Date(at).toISOString().slice(11, 23);

function close(grant: Grant | undefined, at: number): void {
  if (grant !== undefined) grant.closedAt = Math.min(grant.closedAt, at);
}

/** No offline interval of the fan overlaps [from, to]. */
function onlineThroughout(record: FanRecord, from: number, to: number): boolean {
  return record.offline.every(([gone, back]) => back < from || gone > to);
}

/** One offline interval of the fan covers [from, to]. */
function offlineThroughout(record: FanRecord, from: number, to: number): boolean {
  return record.offline.some(([gone, back]) => gone <= from && back >= to);
}

/** Each fan's latest turn (an admission or a call) and latest leave, as journal positions (-1: no turn). */
function turnsAndLeaves(journal: readonly JournalEntry[], fanIds: readonly string[]): { turnAt: Map<string, number>; leftAt: Map<string, number> } {
  const turnAt = new Map<string, number>(fanIds.map((fanId) => [fanId, -1]));
  const leftAt = new Map<string, number>();
  journal.forEach((entry, i) => {
    if (entry.type === 'admitted' || entry.type === 'called') {
      for (const fanId of entry.fanIds) if (turnAt.has(fanId)) turnAt.set(fanId, i);
    } else if (entry.type === 'left' && turnAt.has(entry.fanId)) leftAt.set(entry.fanId, i);
  });
  return { turnAt, leftAt };
}

/**
 * Of these fans, the ones the journal does not show leaving after their
 * latest turn (an admission or a call). A turn a fan heard after asking to
 * leave crossed the leave on the wire; the leave must still have arrived.
 */
export function notLeftAfterTurn(journal: readonly JournalEntry[], fanIds: readonly string[]): string[] {
  const { turnAt, leftAt } = turnsAndLeaves(journal, fanIds);
  return fanIds.filter((fanId) => turnAt.get(fanId)! < 0 || (leftAt.get(fanId) ?? -1) < turnAt.get(fanId)!);
}

/**
 * Why each of these fans (from notLeftAfterTurn) is not shown leaving after
 * its turn, by count: its leave journaled before the turn (the engine
 * admitted a fan that had left), or no leave in the journal, with what
 * became of the leave the fan sent (`leaves`, from the load processes).
 * `contradicted` counts the fans whose journal contradicts what they were
 * told: a leave before the turn, a turn the journal lacks, a leave answered
 * `left` the journal lacks. A leave refused, never answered or never sent
 * did not happen: the fan is still in line and its turn is its own (the
 * model took it out of line when it asked).
 */
export function whyNotLeft(journal: readonly JournalEntry[], fanIds: readonly string[], leaves: Readonly<Record<string, string>>): { why: Record<string, number>; contradicted: number; examples: string[] } {
  const { turnAt, leftAt } = turnsAndLeaves(journal, fanIds);
  const why: Record<string, number> = {};
  let contradicted = 0;
  const examples: string[] = [];
  for (const fanId of fanIds) {
    const fate = leaves[fanId] ?? 'never asked for';
    const reason = turnAt.get(fanId)! < 0 ? 'turn not in the journal'
      : leftAt.has(fanId) ? 'left before its turn in the journal'
        : `no leave in the journal, the leave ${fate}`;
    why[reason] = (why[reason] ?? 0) + 1;
    if (turnAt.get(fanId)! >= 0 && !leftAt.has(fanId) && fate !== 'ok') continue;
    contradicted++;
    if (examples.length < EXAMPLES) examples.push(`${fanId}: ${storyOf(journal, fanId)}`);
  }
  return { why, contradicted, examples };
}

/** A fan's journal entries, `type@clock`, for the report. */
function storyOf(journal: readonly JournalEntry[], fanId: string): string {
  const story: string[] = [];
  for (const entry of journal) {
    const about = 'fanIds' in entry ? entry.fanIds.includes(fanId) : 'fanId' in entry && entry.fanId === fanId;
    if (about) story.push(`${entry.type}@${clock(entry.at)}`);
  }
  return story.join(' ');
}
