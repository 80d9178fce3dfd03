import type { EventConfig } from './config/types.js';
import { seatId } from './config/types.js';
import { shuffle } from './fairness/shuffle.js';
import type { Allocation, JournalEntry } from './journal/entries.js';

export type Invariant =
  | 'seatSoldTwice'
  | 'seatHeldTwice'
  | 'tierOversold'
  | 'perFanLimit'
  | 'codeUses'
  | 'codeTicketCap'
  | 'holdEndedTwice'
  | 'holdUnresolved'
  | 'admissionOrder'
  | 'journalMalformed';

export interface InvariantViolation {
  invariant: Invariant;
  message: string;
}

export interface InvariantOptions {
  /** Every hold must have ended by now (e.g. after close and the last deadline). */
  requireAllHoldsEnded?: boolean;
}

/**
 * Checks a journal against the sale's invariants by replaying it
 * independently of the engine: an oracle that shares no state with the code
 * it checks. Returns every violation found, empty when all hold.
 */
export function checkInvariants(journal: readonly JournalEntry[], options: InvariantOptions = {}): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  const fail = (invariant: Invariant, message: string) => violations.push({ invariant, message });
  const first = journal[0];
  if (first?.type !== 'created') return [{ invariant: 'journalMalformed', message: 'the journal does not start with "created"' }];
  let config: EventConfig = first.config;

  const holds = new Map<string, { fanId: string; allocation: Allocation; ended: boolean }>();
  const seatState = new Map<string, 'held' | 'sold'>();
  // Tickets of each tier taken (held or sold), checked against the capacity in force at each step.
  const takenByTier = new Map<string, number>();
  const capacityOf = (tierId: string) => config.inventory.tiers.find((t) => t.id === tierId)?.quantity ?? 0;
  const ticketsOfFan = new Map<string, number>();
  // Fans waiting in the exact order they must be admitted: the first key is next.
  const expectedOrder = new Map<string, true>();
  // Pre-queue fans in join order; a fan who leaves becomes a hole (found by index, not by a scan).
  const preQueue: Array<string | undefined> = [];
  const preQueueIndex = new Map<string, number>();
  let started = false;
  // Access codes: each code's uses and cap, the accounts bound to it, and the tickets its fans' holds take.
  const codes = new Map<string, { uses: number; ticketCap: number; accounts: Set<string>; tickets: number }>();
  const codeOfFan = new Map<string, string>();
  const codeOfHold = new Map<string, string>();

  const seatsOf = (a: Allocation) => a.seatIds ?? [];
  for (const entry of journal) {
    switch (entry.type) {
      case 'configUpdated':
        config = entry.config;
        for (const [tierId, taken] of takenByTier) {
          if (taken > capacityOf(tierId)) fail('tierOversold', `tier ${tierId}: capacity cut to ${capacityOf(tierId)} below ${taken} held or sold`);
        }
        break;
      case 'codesAdded':
        for (const code of entry.codes) {
          if (codes.has(code)) fail('journalMalformed', `access code ${code} added twice`);
          codes.set(code, { uses: entry.uses, ticketCap: entry.ticketCap, accounts: new Set(), tickets: 0 });
        }
        break;
      case 'codeRedeemed': {
        const code = codes.get(entry.code);
        if (code === undefined) {
          fail('journalMalformed', `${entry.fanId} redeemed unknown access code ${entry.code}`);
          break;
        }
        code.accounts.add(entry.fanId);
        codeOfFan.set(entry.fanId, entry.code);
        if (code.accounts.size > code.uses) fail('codeUses', `access code ${entry.code} bound to ${code.accounts.size} accounts, ${code.uses} uses`);
        break;
      }
      case 'joined':
        codeOfFan.delete(entry.fanId);
        if (started) expectedOrder.set(entry.fanId, true);
        else preQueueIndex.set(entry.fanId, preQueue.push(entry.fanId) - 1);
        break;
      case 'left':
        expectedOrder.delete(entry.fanId);
        if (!started && preQueueIndex.has(entry.fanId)) {
          preQueue[preQueueIndex.get(entry.fanId)!] = undefined;
          preQueueIndex.delete(entry.fanId);
        }
        break;
      case 'saleStarted':
        started = true;
        for (const fanId of shuffle(preQueue.filter((f) => f !== undefined), entry.seed)) expectedOrder.set(fanId, true);
        break;
      case 'admitted':
        for (const fanId of entry.fanIds) {
          const next = expectedOrder.keys().next();
          if (next.done === true || next.value !== fanId) {
            fail('admissionOrder', `${fanId} admitted while ${next.done === true ? 'nobody' : next.value} was next in line`);
          }
          expectedOrder.delete(fanId);
        }
        break;
      case 'held': {
        if (holds.has(entry.holdId)) fail('journalMalformed', `hold id ${entry.holdId} used twice`);
        holds.set(entry.holdId, { fanId: entry.fanId, allocation: entry.allocation, ended: false });
        const tierId = entry.allocation.tierId;
        if (tierId !== undefined) {
          const taken = (takenByTier.get(tierId) ?? 0) + entry.allocation.quantity;
          takenByTier.set(tierId, taken);
          if (taken > capacityOf(tierId)) fail('tierOversold', `tier ${tierId}: ${taken} held or sold of ${capacityOf(tierId)}`);
        }
        for (const seat of seatsOf(entry.allocation)) {
          if (seatState.has(seat)) fail('seatHeldTwice', `seat ${seat} held by ${entry.holdId} while ${seatState.get(seat)}`);
          seatState.set(seat, 'held');
        }
        const tickets = (ticketsOfFan.get(entry.fanId) ?? 0) + entry.allocation.quantity;
        ticketsOfFan.set(entry.fanId, tickets);
        if (tickets > config.maxTicketsPerFan) fail('perFanLimit', `${entry.fanId} has ${tickets} tickets, limit ${config.maxTicketsPerFan}`);
        const codeId = codeOfFan.get(entry.fanId);
        const code = codeId === undefined ? undefined : codes.get(codeId);
        if (code !== undefined) {
          codeOfHold.set(entry.holdId, codeId!);
          code.tickets += entry.allocation.quantity;
          if (code.tickets > code.ticketCap) fail('codeTicketCap', `access code ${codeId}: ${code.tickets} tickets, cap ${code.ticketCap}`);
        }
        break;
      }
      case 'purchased':
      case 'expired':
      case 'released': {
        const hold = holds.get(entry.holdId);
        if (hold === undefined || hold.ended) {
          fail('holdEndedTwice', `hold ${entry.holdId} ${entry.type} ${hold === undefined ? 'without being held' : 'after it ended'}`);
          break;
        }
        hold.ended = true;
        for (const seat of seatsOf(hold.allocation)) {
          if (entry.type !== 'purchased') seatState.delete(seat);
          else if (seatState.get(seat) === 'sold') fail('seatSoldTwice', `seat ${seat} sold twice (hold ${entry.holdId})`);
          else seatState.set(seat, 'sold');
        }
        if (entry.type !== 'purchased') {
          ticketsOfFan.set(hold.fanId, ticketsOfFan.get(hold.fanId)! - hold.allocation.quantity);
          const tierId = hold.allocation.tierId;
          if (tierId !== undefined) takenByTier.set(tierId, takenByTier.get(tierId)! - hold.allocation.quantity);
          const codeId = codeOfHold.get(entry.holdId);
          if (codeId !== undefined) codes.get(codeId)!.tickets -= hold.allocation.quantity;
        }
        break;
      }
    }
  }

  const seats = new Set(config.inventory.sections.flatMap((s) => s.rows.flatMap((r) => r.seats.map((seat) => seatId(s.id, r.id, seat.label)))));
  for (const seat of seatState.keys()) if (!seats.has(seat)) fail('journalMalformed', `seat ${seat} does not exist`);
  if (options.requireAllHoldsEnded === true) {
    for (const [holdId, hold] of holds) if (!hold.ended) fail('holdUnresolved', `hold ${holdId} never ended`);
  }
  return violations;
}
