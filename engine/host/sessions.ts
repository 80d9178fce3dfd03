/**
 * Which connection currently holds each connected fan's place. Sessions are
 * numbered by the engine process, so "the newer connection wins" holds across
 * every gateway worker: a late disconnect of an old connection can never mark
 * a fan who already came back on another one as gone. Each session also
 * records the gateway process that owns it, so when a worker dies its fans
 * count as disconnected (and lose their place if they do not come back).
 */

export interface SessionRef {
  eventId: string;
  fanId: string;
  session: number;
}

interface Entry {
  session: number;
  owner: string;
}

export class Sessions {
  private next: number;
  private readonly current = new Map<string, Entry>();

  /**
   * `first`: the first session number. A shard that takes an event over
   * starts above every number its predecessor could have issued, so an old
   * connection's late close can never be mistaken for a new one.
   */
  constructor(first = 1) {
    this.next = first;
  }

  /** Starts a session for the fan; returns it and the session it replaces, if any. */
  open(eventId: string, fanId: string, owner: string): { session: number; replaced: number | undefined } {
    const key = keyOf(eventId, fanId);
    const replaced = this.current.get(key)?.session;
    const session = this.next++;
    this.current.set(key, { session, owner });
    return { session, replaced };
  }

  /**
   * Ends the session if it is still the fan's current one; true when it was,
   * or when the fan has no session here at all (opened before a takeover,
   * which does not carry sessions over): its connection is gone either way.
   */
  close(eventId: string, fanId: string, session: number): boolean {
    const key = keyOf(eventId, fanId);
    const current = this.current.get(key);
    if (current === undefined) return true;
    if (current.session !== session) return false;
    this.current.delete(key);
    return true;
  }

  /**
   * Takes over a session opened before a takeover (reported by the gateway
   * that holds it), unless the fan already has a session here.
   */
  adopt(eventId: string, fanId: string, session: number, owner: string): void {
    const key = keyOf(eventId, fanId);
    if (!this.current.has(key)) this.current.set(key, { session, owner });
  }

  isCurrent(eventId: string, fanId: string, session: number): boolean {
    return this.current.get(keyOf(eventId, fanId))?.session === session;
  }

  /** Every current session of one gateway process. */
  ownedBy(owner: string): SessionRef[] {
    const owned: SessionRef[] = [];
    for (const [key, entry] of this.current) {
      if (entry.owner !== owner) continue;
      const [eventId, fanId] = key.split('\u0000') as [string, string];
      owned.push({ eventId, fanId, session: entry.session });
    }
    return owned;
  }
}

function keyOf(eventId: string, fanId: string): string {
  return `${eventId}\u0000${fanId}`;
}
