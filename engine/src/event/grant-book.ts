import { BreakwaterError } from '../errors.js';
import { sequenceId, sequenceOf } from '../util/sequence-id.js';

export interface Grant {
  readonly id: string;
  readonly fanId: string;
  readonly expiresAt: number;
  status: 'open' | 'used' | 'expired' | 'revoked';
}

/**
 * One-time admission grants: every grant ever issued, by sequence number
 * (grant `g17` is at 17), and the open one of each admitted fan.
 */
export class GrantBook {
  private readonly bySequence: Grant[] = [];
  private readonly openByFan = new Map<string, Grant>();
  private sequence = 0;

  /** Admitted fans who have not used their grant yet. */
  get openCount(): number {
    return this.openByFan.size;
  }

  nextSequence(): number {
    return this.sequence + 1;
  }

  openOf(fanId: string): Grant | undefined {
    return this.openByFan.get(fanId);
  }

  issue(fanId: string, sequence: number, expiresAt: number): void {
    const grant: Grant = { id: sequenceId('g', sequence), fanId, expiresAt, status: 'open' };
    this.openByFan.set(fanId, grant);
    this.bySequence[sequence] = grant;
    this.sequence = Math.max(this.sequence, sequence);
  }

  /** Closes an open grant: used by a hold, expired, or revoked because the fan left. */
  close(grantId: string, status: 'used' | 'expired' | 'revoked'): void {
    const grant = this.get(grantId)!;
    grant.status = status;
    this.openByFan.delete(grant.fanId);
  }

  /** Open grants whose time ran out. */
  due(now: number): Grant[] {
    const due: Grant[] = [];
    for (const grant of this.openByFan.values()) if (grant.expiresAt <= now) due.push(grant);
    return due;
  }

  /** The fan's usable grant, or why it is not. */
  require(fanId: string, grantId: string, now: number): Grant {
    const grant = this.get(grantId);
    if (grant === undefined || grant.fanId !== fanId) {
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
