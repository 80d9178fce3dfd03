/**
 * How cluster mode spreads events over engine shards: every event belongs to
 * one of a fixed number of partitions, and each partition has one owner shard
 * at a time. The partition of an event is FNV-1a (32-bit) of its id's UTF-8
 * bytes, modulo the number of partitions: stable across processes, machines
 * and versions, so it must never change while a cluster keeps data.
 */
import type { EngineRequest } from './types.js';

/**
 * Requests for a partition, addressed to the shard that owns it (its id as
 * the lease bucket holds it; partition-owners.ts): a former owner still
 * subscribed — frozen, cut off — hears none of them.
 */
export const requestSubject = (partition: number, owner: string): string => `bw.req.${partition}.${subjectToken(owner)}`;
/** What a partition's owner broadcasts to every gateway. */
export const broadcastSubject = (partition: number): string => `bw.bc.${partition}`;
export const BROADCASTS = 'bw.bc.*';
/** Every gateway's WorkerMetrics, once a second. */
export const METRICS_SUBJECT = 'bw.metrics';
/** Every shard's runtime metrics (EngineMetrics), once a second. */
export const ENGINE_METRICS_SUBJECT = 'bw.engine.metrics';
/** Every gateway's door counts, every ~250 ms (protection/door-exchange.ts). */
export const DOOR_SUBJECT = 'bw.door';
/** Every shard's `{ shardId, owned }`, once per lease renewal: how shards count each other. */
export const SHARD_HEARTBEAT_SUBJECT = 'bw.shard.hb';
/** A queue group, so a partition a shard subscribes twice (a hand-over and a retake in quick succession) still runs each request once. */
export const SHARD_QUEUE_GROUP = 'bw.shards';

/** A shard id as one subject token: host names have dots, and NATS tokens cannot. */
function subjectToken(id: string): string {
  return id.replace(/[.*>\s]/g, '_');
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

export function partitionOf(eventId: string, partitions: number): number {
  let hash = FNV_OFFSET;
  for (const byte of utf8.encode(eventId)) hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
  return hash % partitions;
}

/**
 * Where a request goes: one partition; 'all' (scatter-gather over every
 * partition); or 'none' (published, nobody replies). A request without a
 * usable event id goes to partition 0, whose engine rejects it as usual.
 */
export function partitionOfRequest(request: EngineRequest, partitions: number): number | 'all' | 'none' {
  const of = (eventId: unknown): number => (typeof eventId === 'string' ? partitionOf(eventId, partitions) : 0);
  switch (request.op) {
    case 'listEvents':
    case 'sync':
      return 'all';
    case 'reportMetrics':
      return 'none';
    case 'command': {
      const command = asRecord(request.command);
      return of(command.type === 'createEvent' ? asRecord(command.config).id : command.eventId);
    }
    case 'createEvent':
      return of(asRecord(request.config).id);
    case 'fanCommand':
      return of(request.command.eventId);
    case 'paymentOutcome':
      return of(request.outcome.eventId);
    default:
      return of(request.eventId);
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
