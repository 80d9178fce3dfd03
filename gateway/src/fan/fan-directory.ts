/**
 * The fans connected to this process, by event and fan id (per-fan messages
 * from the journal) and by session (a replaced session is closed).
 */
import type { FanConnection } from './connection.js';

export class FanDirectory {
  private readonly byEvent = new Map<string, Map<string, FanConnection>>();
  private readonly bySession = new Map<number, FanConnection>();

  /** Makes `conn` the fan's connection here (a newer one wins). */
  add(conn: FanConnection): void {
    const binding = conn.binding!;
    let fans = this.byEvent.get(binding.eventId);
    if (fans === undefined) this.byEvent.set(binding.eventId, (fans = new Map()));
    fans.set(binding.fanId, conn);
    this.bySession.set(binding.session, conn);
  }

  /** Forgets `conn`, but never a newer connection of the same fan. */
  remove(conn: FanConnection): void {
    const binding = conn.binding;
    if (binding === undefined) return;
    this.bySession.delete(binding.session);
    const fans = this.byEvent.get(binding.eventId);
    if (fans?.get(binding.fanId) !== conn) return;
    fans.delete(binding.fanId);
    if (fans.size === 0) this.byEvent.delete(binding.eventId);
  }

  get(eventId: string, fanId: string): FanConnection | undefined {
    return this.byEvent.get(eventId)?.get(fanId);
  }

  bySessionNumber(session: number): FanConnection | undefined {
    return this.bySession.get(session);
  }

  /** The events with fans connected here. */
  events(): string[] {
    return [...this.byEvent.keys()];
  }

  connectionsOf(eventId: string): IterableIterator<FanConnection> | [] {
    return this.byEvent.get(eventId)?.values() ?? [];
  }
}
