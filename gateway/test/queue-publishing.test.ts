import { describe, expect, it } from 'vitest';
import { Engine, SimulatedClock } from '../../engine/src/index.js';
import { aesSeedVault } from '../../engine/stores/seed-vault.js';
import { EngineHost } from '../../engine/host/engine-host.js';
import type { EngineBroadcast } from '../../engine/link/types.js';
import { eventConfig } from './helpers/test-gateway.js';

type QueueBroadcast = Extract<EngineBroadcast, { type: 'queue' }>;

function hostWithEvent(): { clock: SimulatedClock; engine: Engine; host: EngineHost; queues: QueueBroadcast[]; eventId: string } {
  const clock = new SimulatedClock(Date.UTC(2030, 0, 1));
  const engine = new Engine({ clock, randomBytes: (n) => new Uint8Array(n).fill(5), seeds: aesSeedVault('queue publishing test') });
  const host = new EngineHost({ engine, clock, log: () => undefined, queueRefreshMs: 2000, queueHeartbeatMs: 5000 });
  const config = eventConfig(clock.now(), { admission: { mode: 'rate', fansPerMinute: 60 } });
  engine.createEvent(config, { publish: true });
  const queues: QueueBroadcast[] = [];
  host.subscribe((b) => b.type === 'queue' && queues.push(b));
  return { clock, engine, host, queues, eventId: config.id };
}

describe('queue publishing', () => {
  it('sends a growing line at most every refresh interval, but a moving now-serving at once', () => {
    const { clock, engine, host, queues, eventId } = hostWithEvent();
    host.tick();
    expect(queues).toHaveLength(1);
    // Fans pour into the pre-queue between ticks: the length changes, nobody's position does.
    for (let t = 1; t <= 7; t++) {
      engine.execute({ type: 'join', eventId, fanId: `early-${t}` });
      clock.advance(250);
      host.tick();
    }
    // 1,750 ms later: still within the 2 s refresh interval.
    expect(queues).toHaveLength(1);
    engine.execute({ type: 'join', eventId, fanId: 'early-8' });
    clock.advance(250);
    host.tick();
    expect(queues).toHaveLength(2);
    expect(queues[1]!.states[0]!.waiting).toBe(8);

    // The sale starts and admits one fan a second: every move of now-serving goes out on its tick.
    clock.advance(60_000);
    host.tick();
    const atStart = queues.length;
    expect(queues.at(-1)!.states[0]!.phase).toBe('onSale');
    const served = queues.at(-1)!.states[0]!.nowServing;
    clock.advance(1000);
    host.tick();
    expect(queues).toHaveLength(atStart + 1);
    expect(queues.at(-1)!.states[0]!.nowServing).toBe(served + 1);
  });

  it('repeats an unchanged state as a heartbeat', () => {
    const { clock, host, queues } = hostWithEvent();
    host.tick();
    clock.advance(4_750);
    host.tick();
    expect(queues).toHaveLength(1);
    clock.advance(250);
    host.tick();
    expect(queues).toHaveLength(2);
  });
});
