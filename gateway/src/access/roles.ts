/**
 * The organizer API's roles, each allowed everything the one before it is:
 * a viewer reads; an operator runs a sale that exists (pause, resume, retune,
 * codes, registration, the checkout backend's confirmations); an admin decides
 * what exists and what is final (keys, creating, publishing and closing
 * events). route-roles.ts says which role each route needs.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** Who made a request: a key of the key store, or the deployment's bootstrap key. */
export interface Caller {
  keyId: string;
  name: string;
  role: Role;
  /** The events the key may act on; null: every event, and the routes about none (keys, creating events). */
  events: string[] | null;
}

export function covers(caller: Caller, eventId: string): boolean {
  return caller.events === null || caller.events.includes(eventId);
}
