/**
 * What a worker keeps about events between requests: each event's gateway
 * settings (the proof of work is checked here, before the engine is asked)
 * and the public event info, cached for a second so a crowd loading the fan
 * page costs the engine one request per second.
 */
import { DEFAULT_EVENT_SETTINGS, type EventSettings } from '../../engine/host/index.js';
import type { EngineLink, PublicEventInfo, SyncState } from '../../engine/link/types.js';

const PUBLIC_INFO_TTL_MS = 1000;

export class EventCatalog {
  private readonly settings = new Map<string, EventSettings>();
  private readonly publicInfo = new Map<string, { at: number; info: Promise<PublicEventInfo> }>();

  constructor(private readonly link: EngineLink) {}

  load(state: SyncState): void {
    for (const [eventId, settings] of Object.entries(state.settings)) this.settings.set(eventId, settings);
  }

  setSettings(eventId: string, settings: EventSettings): void {
    this.settings.set(eventId, settings);
    this.publicInfo.delete(eventId);
  }

  settingsOf(eventId: string): EventSettings {
    return this.settings.get(eventId) ?? DEFAULT_EVENT_SETTINGS;
  }

  /** The public info of an event; concurrent callers share one engine request. */
  publicInfoOf(eventId: string, now = Date.now()): Promise<PublicEventInfo> {
    const cached = this.publicInfo.get(eventId);
    if (cached !== undefined && now - cached.at < PUBLIC_INFO_TTL_MS) return cached.info;
    const info = this.link.execute({ op: 'publicInfo', eventId });
    this.publicInfo.set(eventId, { at: now, info });
    info.catch(() => this.publicInfo.delete(eventId));
    return info;
  }

  invalidate(eventId: string): void {
    this.publicInfo.delete(eventId);
  }
}
