/**
 * The fan id of a verified account. In an event that verifies identities the
 * place belongs to the account (the identity token's `sub`), so the gateway
 * derives the engine's fan id from it, and every tab, device, gateway process
 * and reconnect of one account lands on the same place and the same per-fan
 * ticket limit. Here, in the protocol module, so a client can compute the id
 * it proves work for. docs/identity.md documents the mapping.
 */
import { sha256Hex } from './sha256.js';

/** Longest `sub` used as it is: `acct:` + 123 characters fills the engine's 128-character id. */
export const MAX_PLAIN_SUB = 123;
/** Longest `sub` a token may carry at all. */
export const MAX_SUB = 255;

/**
 * `acct:<sub>` for a sub of up to 123 characters, else `acct#<SHA-256 of the
 * sub's UTF-8, hex>`. The two prefixes cannot meet, and no anonymous fan may use
 * either in an event that verifies identities.
 */
export function accountFanId(sub: string): string {
  return sub.length <= MAX_PLAIN_SUB ? `acct:${sub}` : `acct#${sha256Hex(new TextEncoder().encode(sub))}`;
}

/** Whether a fan id has the account form (reserved for verified joins). */
export function isAccountFanId(fanId: string): boolean {
  return fanId.startsWith('acct:') || fanId.startsWith('acct#');
}
