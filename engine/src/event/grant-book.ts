import { BreakwaterError } from '../errors.js';
import { DeadlineHeap } from '../util/deadline-heap.js';
import { sequenceId, sequenceOf } from '../util/sequence-id.js';
import type { FanAccount } from './fan-accounts.js';

export interface Grant {
  readonly id: string;
  readonly account: FanAccount;
  readonly expiresAt: number;
  /** Issued by a call to a waitlisted fan (answered within the event's callAnswerMs). */
  readonly called: boolean;
  status: 'open' | 'used' | 'expired' | 'revoked';
}

/**
 * One-time admission grants: every grant ever issued, by sequence number
 * (grant `g17` is at 17); the open one of a fan is on its account.
 */
export class GrantBook {
  private readonly bySequence: Grant[] = [];
  private readonly deadlines = new DeadlineHeap<Grant>();
  /** Admitted fans who have not used their grant yet. */
  openCount = 0;
  private sequence = 0;

  nextSequence(): number {
    return this.sequence + 1;
  }

  issue(account: FanAccount, sequence: number, expiresAt: number, called = false): void {
    if (account.openGrant !== undefined) throw new Error(`fan ${account.fanId} already has grant ${account.openGrant.id}`);
    const grant: Grant = { id: sequenceId('g', sequence), account, expiresAt, called, status: 'open' };
    account.openGrant = grant;
    account.latestGrant = grant;
    this.openCount++;
    this.bySequence[sequence] = grant;
    this.deadlines.push(expiresAt, grant);
    this.sequence = Math.max(this.sequence, sequence);
  }

  /** Closes an open grant: used by a hold, expired, or revoked because the fan left. */
  close(grantId: string, status: 'used' | 'expired' | 'revoked'): Grant {
    const grant = this.get(grantId)!;
    if (grant.status !== 'open') throw new Error(`grant ${grantId} is already ${grant.status}`);
    grant.status = status;
    grant.account.openGrant = undefined;
    this.openCount--;
    return grant;
  }

  /** Open grants whose time ran out, in issue order. */
  due(now: number): Grant[] {
    const due: Grant[] = [];
    for (let grant = this.deadlines.popDue(now); grant !== undefined; grant = this.deadlines.popDue(now)) {
      if (grant.status === 'open') due.push(grant);
    }
    return due.sort((a, b) => sequenceOf(a.id, 'g') - sequenceOf(b.id, 'g'));
  }

  /** The account a grant was issued to, whatever its state. */
  accountOf(grantId: string): FanAccount | undefined {
    return this.get(grantId)?.account;
  }

  /** The fan's usable grant, or why it is not. */
  require(fanId: string, grantId: string, now: number): Grant {
    const grant = this.get(grantId);
    if (grant === undefined || grant.account.fanId !== fanId) {
      throw new BreakwaterError('GRANT_INVALID', 'this admission grant is not yours', { details: { grantId } });
    }
    if (grant.status === 'expired' || (grant.status === 'open' && grant.expiresAt <= now)) {
      throw new BreakwaterError('GRANT_EXPIRED', undefined, { details: { grantId, expiredAt: grant.expiresAt } });
    }
    if (grant.status !== 'open') {
      throw new BreakwaterError('GRANT_INVALID', `this admission grant was ${grant.status === 'used' ? 'already used' : 'revoked'}`, {
        details: { grantId, status: grant.status },
      });
    }
    return grant;
  }

  private get(grantId: string): Grant | undefined {
    const sequence = sequenceOf(grantId, 'g');
    return sequence < 0 ? undefined : this.bySequence[sequence];
  }
}
