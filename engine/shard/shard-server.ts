/**
 * The shard's side of the NATS wire: serving a partition's requests, sending
 * its broadcasts, hearing the gateways. NATS callbacks run inside the
 * client's parser, where a throw would stop the connection's reader, so every
 * callback here catches.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { isBreakwaterError } from '../src/index.js';
import type { EngineBroadcast, EngineRequest, WireError, WorkerMetrics } from '../link/types.js';
import { toWireError } from '../link/wire-error.js';
import { broadcastSubject, METRICS_SUBJECT, requestSubject, SHARD_QUEUE_GROUP } from '../link/partitions.js';
import { decodeMetrics, decodeRequests, encodeBroadcast, encodeReplies, type WireReplies, type WireReply } from '../link/wire.js';

type Log = (message: string) => void;
const defaultLog: Log = (message) => console.error(message);
const describe = (err: unknown): string => (err as Error)?.stack ?? String(err);

/** What one request came to: its result, or what it threw. */
export type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** Runs requests one after another, each one's failure its own. */
export function runEach(requests: readonly EngineRequest[], run: (request: EngineRequest) => unknown): Outcome[] {
  return requests.map((request): Outcome => {
    try {
      return { ok: true, result: run(request) };
    } catch (error) {
      return { ok: false, error };
    }
  });
}

/**
 * Serves one partition's requests, those addressed to this shard (`shardId`). A message
 * carries a batch of one gateway's requests; `handle` answers each, or
 * rejects for the whole batch. Messages are handled concurrently: replies may
 * leave in another order than requests came. `stop()` drains the
 * subscription: requests already delivered are still handled, no new one is
 * taken.
 */
export function servePartition(
  nc: NatsConnection,
  partition: number,
  shardId: string,
  handle: (requests: EngineRequest[], owner: string) => Promise<Outcome[]>,
  log: Log = defaultLog,
): { stop(): Promise<void> } {
  const wireError = (err: unknown): WireError => {
    if (!isBreakwaterError(err)) log(`partition ${partition}: request failed: ${describe(err)}`);
    return toWireError(err);
  };
  const respond = (msg: Msg, replies: WireReplies): void => {
    try {
      msg.respond(encodeReplies(replies));
    } catch (err) {
      log(`partition ${partition}: cannot reply: ${describe(err)}`);
      // E.g. a result above the server's max_payload: the gateway learns now instead of timing out.
      if (replies.ok) respond(msg, { ok: false, error: toWireError(err) });
    }
  };
  const answer = async (msg: Msg): Promise<void> => {
    let replies: WireReplies;
    try {
      const { owner, requests } = decodeRequests(msg.data);
      const outcomes = await handle(requests, owner);
      replies = { ok: true, replies: outcomes.map((o): WireReply => (o.ok ? o : { ok: false, error: wireError(o.error) })) };
    } catch (err) {
      replies = { ok: false, error: wireError(err) };
    }
    respond(msg, replies);
  };
  const sub = nc.subscribe(requestSubject(partition, shardId), {
    queue: SHARD_QUEUE_GROUP,
    callback: (err, msg) => {
      if (err) log(`partition ${partition}: subscription failed: ${err.message}`);
      else void answer(msg);
    },
  });
  return {
    async stop() {
      // A closed connection has no subscription left to drain.
      if (!sub.isClosed()) await sub.drain().catch(() => undefined);
    },
  };
}

/** Sends a partition's broadcast to every gateway. Throws when NATS refuses it (closed, or larger than max_payload). */
export function publishBroadcast(nc: NatsConnection, partition: number, broadcast: EngineBroadcast): void {
  nc.publish(broadcastSubject(partition), encodeBroadcast(broadcast));
}

/** Hears every gateway's metrics (once a second each): how a shard knows which gateways are alive. */
export function watchGateways(nc: NatsConnection, onMetrics: (metrics: WorkerMetrics) => void, log: Log = defaultLog): { stop(): void } {
  const sub = nc.subscribe(METRICS_SUBJECT, {
    callback: (err, msg) => {
      if (err) return log(`gateway metrics subscription failed: ${err.message}`);
      try {
        onMetrics(decodeMetrics(msg.data));
      } catch (error) {
        log(`gateway metrics: ${describe(error)}`);
      }
    },
  });
  return {
    stop() {
      if (!sub.isClosed()) sub.unsubscribe();
    },
  };
}
