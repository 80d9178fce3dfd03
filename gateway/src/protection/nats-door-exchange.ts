/**
 * The door exchange of cluster mode: every gateway process, on every machine,
 * publishes its door counts on one NATS subject and hears everyone's. Plain
 * publish, no JetStream: a lost report is superseded by the next one.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { DoorExchange, DoorListener, DoorReport } from './door-exchange.js';
import { DOOR_SUBJECT } from '../../../engine/link/partitions.js';
import { decodePayload, encodePayload } from '../../../engine/link/wire.js';

export class NatsDoorExchange implements DoorExchange {
  private readonly listeners = new Set<DoorListener>();

  static async connect(servers: string, name: string): Promise<NatsDoorExchange> {
    const nc = await connect({ servers, name: `door ${name}`, maxReconnectAttempts: -1, reconnectTimeWait: 250, waitOnFirstConnect: true, pingInterval: 5_000 });
    const exchange = new NatsDoorExchange(nc);
    // Subscribed on the server before the first report goes out.
    await nc.flush();
    return exchange;
  }

  private constructor(private readonly nc: NatsConnection) {
    nc.subscribe(DOOR_SUBJECT, {
      callback: (err, msg) => {
        if (err !== null) return;
        // NATS callbacks run inside the client's parser: nothing may throw out of here.
        try {
          const report = decodePayload(msg.data) as DoorReport;
          for (const listener of this.listeners) listener(report);
        } catch (error) {
          console.error(`door report dropped: ${String(error)}`);
        }
      },
    });
  }

  publish(report: DoorReport): void {
    // While disconnected, counts of the moment are dropped, not queued.
    if (!this.nc.isClosed() && !this.nc.isDraining()) this.nc.publish(DOOR_SUBJECT, encodePayload(report));
  }

  subscribe(listener: DoorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }
}
