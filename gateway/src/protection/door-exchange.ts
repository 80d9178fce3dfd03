/**
 * How the gateway processes of a deployment tell each other what their door
 * counts: every process publishes its counts every ~250 ms and hears everyone
 * else's. One interface, two transports: the fork channels of one machine
 * (workers of `npm start --workers N`, relayed by the engine process) and a
 * NATS subject in cluster mode (nats-door-exchange.ts).
 */
import { BatchedChannel, type ForkEnd } from '../../../engine/link/ipc.js';

/** The door's budgets; each name is also the `details.limit` of the RATE_LIMITED it causes. */
export const BUDGETS = ['connectionsPerIp', 'connectionsPerSubnet', 'joinsPerIp', 'joinsPerSubnet'] as const;
export type BudgetName = (typeof BUDGETS)[number];

/** One process's counts per budget: [key, count] for the keys that matter (see DoorBudgets.report). */
export interface DoorReport {
  /** The sending process, unique per start. */
  from: string;
  counts: Partial<Record<BudgetName, Array<[string, number]>>>;
}

export type DoorListener = (report: DoorReport) => void;

/** A report on a fork channel, beside the engine link's messages (engine/link/ipc.ts). */
interface DoorMessage {
  k: 'door';
  report: DoorReport;
}

export interface DoorExchange {
  /** Sends this process's counts to every other process (best effort: the next report supersedes it). */
  publish(report: DoorReport): void;
  subscribe(listener: DoorListener): () => void;
  close(): Promise<void>;
}

/** A gateway worker's side: reports go to the parent process, which relays them to the other workers. */
export class IpcDoorExchange implements DoorExchange {
  private readonly channel: BatchedChannel<DoorMessage>;
  private readonly listeners = new Set<DoorListener>();

  constructor(end: ForkEnd) {
    this.channel = new BatchedChannel<DoorMessage>(end, (batch) => {
      for (const message of batch) if (message.k === 'door') for (const listener of this.listeners) listener(message.report);
    });
  }

  publish(report: DoorReport): void {
    this.channel.post({ k: 'door', report });
  }

  subscribe(listener: DoorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.channel.flush();
    this.channel.detach();
  }
}

/** The parent process's side: passes each worker's reports on to every other worker. */
export class DoorRelay {
  private readonly channels = new Set<BatchedChannel<DoorMessage>>();

  /** Relays for one worker until the returned function is called (it exited). */
  attach(worker: ForkEnd): () => void {
    const channel: BatchedChannel<DoorMessage> = new BatchedChannel<DoorMessage>(worker, (batch) => {
      for (const message of batch) if (message.k === 'door') this.relay(channel, message);
    });
    this.channels.add(channel);
    return () => {
      this.channels.delete(channel);
      channel.detach();
    };
  }

  private relay(from: BatchedChannel<DoorMessage>, message: DoorMessage): void {
    for (const channel of this.channels) if (channel !== from) channel.post(message);
  }
}
