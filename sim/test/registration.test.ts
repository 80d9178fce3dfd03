/**
 * The registration scenario (sim/scenarios/registration.ts), scaled down: it
 * runs clean, its figures add up, and the invitation draw treats the farm's
 * accounts like fans'; the check that says so fails on a biased draw.
 */
import { describe, expect, it } from 'vitest';
import { registrationFailures, type RegistrationReport } from '../src/drivers/registration-stage.js';
import { run, scenario } from './helpers.js';

describe('the registration scenario', () => {
  const s = scenario('registration', {
    fans: 24_000,
    inventory: { kind: 'ga', tiers: [{ id: 'ga', name: 'General admission', price: 9900, quantity: 6_000, weight: 1 }] },
    bots: { accounts: 600, addresses: 600, subnets: 60 },
  });
  const { report } = run(s);
  const g = report.registration!;

  it('runs clean: every engine invariant (the registration draw and the order of invitations among them) holds', () => {
    expect(report.failures).toEqual([]);
    expect(report.engineInvariants).toMatchObject({ checked: true, violations: 0 });
  });

  it('registers every account, invites ⌈seats ÷ (40 % × 3)⌉, and only invitees take places', () => {
    expect(g.registered).toBe(g.fanAccounts + g.botAccounts);
    expect(g.botAccounts).toBe(600);
    expect(g.seats).toBe(6_000);
    expect(g.invitations).toBe(5_000);
    expect(g.invitedFans + g.invitedBots).toBe(g.invitations);
    expect(report.behaviour.joinRefused).toBe(0);
    expect(report.journalShape.joined).toBeLessThanOrEqual(g.invitations + g.invitedNext);
    expect(g.inviteesJoined).toBeGreaterThan(0);
    expect(g.inviteesBought).toBeLessThan(g.inviteesJoined);
    expect(g.ticketsSoldInPresale).toBe(report.ticketsSold);
  });

  it('the organizer invites from the waitlist as many as invitees who had not come, and some of them buy', () => {
    expect(g.invitedNext).toBeGreaterThan(0);
    expect(g.lateInviteesBought).toBeGreaterThan(0);
  });

  it('the draw cannot tell the farm\'s accounts from fans\'', () => {
    expect(Math.abs(g.invitedBots - g.botInvitationsExpected)).toBeLessThanOrEqual(3 * g.botInvitationsSd);
    expect(g.botInvitationRatio).toBeGreaterThan(0.7);
    expect(g.botInvitationRatio).toBeLessThan(1.3);
  });

  it('a draw that favoured the farm fails the run', () => {
    const biased: RegistrationReport = { ...g, invitedBots: Math.round(g.botInvitationsExpected + 4 * g.botInvitationsSd) + 1 };
    expect(registrationFailures(biased)).toEqual([expect.stringMatching(/^the registration draw invited \d+ of the farm's 600 accounts; a fair draw invites/)]);
    expect(registrationFailures(g)).toEqual([]);
  });
});
