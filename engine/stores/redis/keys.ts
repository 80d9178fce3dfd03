/**
 * Redis key names. Every key of an event carries the hash tag `{eventId}` and
 * every key of a partition `{p<partition>}`, so in Redis Cluster each lives
 * in one slot and a script may touch all of them.
 */
export const DEFAULT_PREFIX = 'bw';

const EVENT_ID = /^[A-Za-z0-9_.-]+$/;
/** No braces: a brace in the prefix would become the hash tag. */
const PREFIX = /^[A-Za-z0-9_.:-]*$/;

export interface EventKeys {
  /** List of blobs, one per write: the msgpack array of its entries. */
  journal: string;
  /** Hash: fence (the owner's epoch), entries (entry count), lastBatch (id of the last applied write). */
  meta: string;
  /** String: msgpack of the event's settings. */
  settings: string;
  /** Hash: fan id → JSON of the fan's Web Push subscriptions (engine/stores/redis/push-store.ts). */
  push: string;
}

export interface PartitionKeys {
  /** Fencing epoch counter (INCR). */
  epoch: string;
  /** Set of the partition's event ids. */
  events: string;
}

export function eventKeys(prefix: string, eventId: string): EventKeys {
  if (!EVENT_ID.test(eventId)) throw new Error(`event id "${eventId}" cannot name a Redis key`);
  const tagged = `${checkedPrefix(prefix)}:{${eventId}}`;
  return { journal: `${tagged}:journal`, meta: `${tagged}:meta`, settings: `${tagged}:settings`, push: `${tagged}:push` };
}

export function partitionKeys(prefix: string, partition: number): PartitionKeys {
  if (!Number.isSafeInteger(partition) || partition < 0) throw new Error(`partition ${partition} is not a non-negative integer`);
  const tagged = `${checkedPrefix(prefix)}:{p${partition}}`;
  return { epoch: `${tagged}:epoch`, events: `${tagged}:events` };
}

function checkedPrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) throw new Error(`key prefix "${prefix}" may hold only letters, digits and _ . : -`);
  return prefix;
}
