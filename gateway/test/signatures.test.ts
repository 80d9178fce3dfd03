import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../engine/host/notify/webhook-signature.js';
import { leadingZeroBits, powSatisfied, sha256Hex, solvePow } from '../src/protocol/index.js';
import { sha256Words } from '../src/protocol/sha256.js';
import { checkPowChallenge, issuePowChallenge, issueQueueToken, paymentIdFor, Signer, verifyQueueToken } from '../src/tokens.js';

const signer = new Signer('a-test-secret-of-enough-length');

describe('the proof of work', () => {
  it('hashes like node:crypto, for every length around the block boundaries', () => {
    for (const length of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 200]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      expect(sha256Hex(bytes), `length ${length}`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('counts leading zero bits', () => {
    expect(leadingZeroBits(new Uint32Array([0, 0x0000ffff]))).toBe(48);
    expect(leadingZeroBits(new Uint32Array([0x80000000]))).toBe(0);
  });

  it('finds and verifies a nonce bound to the fan id', () => {
    const nonce = solvePow('challenge', 'fan-1', 12)!;
    expect(powSatisfied('challenge', 'fan-1', nonce, 12)).toBe(true);
    expect(leadingZeroBits(sha256Words(new TextEncoder().encode(`challenge:fan-1:${nonce}`)))).toBeGreaterThanOrEqual(12);
  });

  it('issues challenges only this server can vouch for, for one event, until they expire', () => {
    const now = 1_000_000;
    const { challenge, difficulty, expiresAt } = issuePowChallenge(signer, 'e1', 16, now);
    expect(difficulty).toBe(16);
    expect(checkPowChallenge(signer, challenge, 'e1', now)).toBe(16);
    expect(() => checkPowChallenge(signer, challenge, 'e2', now)).toThrow(expect.objectContaining({ code: 'POW_INVALID', details: { reason: 'event' } }));
    expect(() => checkPowChallenge(signer, challenge, 'e1', expiresAt)).toThrow(expect.objectContaining({ details: { reason: 'expired' } }));
    expect(() => checkPowChallenge(new Signer('another-secret-entirely'), challenge, 'e1', now)).toThrow(expect.objectContaining({ details: { reason: 'challenge' } }));
  });
});

describe('queue tokens', () => {
  it('bind the event, the fan and the number, and cannot be altered', () => {
    const token = issueQueueToken(signer, { eventId: 'e1', fanId: 'f1', number: 42, issuedAt: 5 });
    expect(verifyQueueToken(signer, token, 'e1', 10)).toEqual({ eventId: 'e1', fanId: 'f1', number: 42, issuedAt: 5 });
    const [prefix, , mac] = token.split('.');
    const altered = `${prefix}.${Buffer.from(JSON.stringify({ e: 'e1', f: 'f2', n: 1, i: 5 })).toString('base64url')}.${mac}`;
    expect(() => verifyQueueToken(signer, altered, 'e1', 10)).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID', details: { reason: 'signature' } }));
    expect(() => verifyQueueToken(signer, token, 'e2', 10)).toThrow(expect.objectContaining({ details: { reason: 'event' } }));
    expect(() => verifyQueueToken(signer, 'garbage', 'e1', 10)).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
  });

  it('have one spelling: another base64 spelling of the same signature is refused', () => {
    const token = issueQueueToken(signer, { eventId: 'e1', fanId: 'f1', number: 1, issuedAt: 5 });
    // The last of 43 base64url characters carries 2 unused bits: flipping them keeps the bytes.
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    expect(Buffer.from(respelled.split('.')[2]!, 'base64url')).toEqual(Buffer.from(token.split('.')[2]!, 'base64url'));
    expect(() => verifyQueueToken(signer, respelled, 'e1', 10)).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
  });

  it('are not valid as anything else signed with the same secret', () => {
    const { challenge } = issuePowChallenge(signer, 'e1', 1, 0);
    expect(() => verifyQueueToken(signer, challenge, 'e1', 0)).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
  });
});

describe('payment ids', () => {
  it('are the same for a retried pay and differ for another key, hold or fan', () => {
    const id = paymentIdFor(signer, 'e', 'f', 'h1', 'k');
    expect(paymentIdFor(signer, 'e', 'f', 'h1', 'k')).toBe(id);
    expect(new Set([id, paymentIdFor(signer, 'e', 'f', 'h1', 'k2'), paymentIdFor(signer, 'e', 'f', 'h2', 'k'), paymentIdFor(signer, 'e', 'g', 'h1', 'k')]).size).toBe(4);
  });
});

describe('webhook signatures', () => {
  const body = Buffer.from('{"id":"evt_1"}');
  const now = 1_700_000_000_000;

  it('verify the body and the timestamp', () => {
    const header = signWebhook('whsec', body, now);
    expect(() => verifyWebhookSignature('whsec', header, body, now + 60_000)).not.toThrow();
    expect(() => verifyWebhookSignature('whsec', header, Buffer.from('{"id":"evt_2"}'), now)).toThrow(expect.objectContaining({ details: { reason: 'mismatch' } }));
    expect(() => verifyWebhookSignature('whsec', header, body, now + 600_000)).toThrow(expect.objectContaining({ details: { reason: 'timestamp' } }));
    expect(() => verifyWebhookSignature('other', header, body, now)).toThrow(expect.objectContaining({ code: 'WEBHOOK_SIGNATURE_INVALID' }));
    expect(() => verifyWebhookSignature('whsec', 't=abc', body, now)).toThrow(expect.objectContaining({ details: { reason: 'malformed' } }));
  });

  it('accept any of several signatures, so the secret can be rotated', () => {
    const header = signWebhook('new-secret', body, now);
    const withOld = `${header},v1=${'0'.repeat(64)}`;
    expect(() => verifyWebhookSignature('new-secret', withOld, body, now)).not.toThrow();
  });
});
