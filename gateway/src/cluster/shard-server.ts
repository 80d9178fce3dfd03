/**
 * The shard's side of the NATS wire: serving a partition's requests, sending
 * its broadcasts, hearing the gateways. NATS callbacks run inside the
 * client's parser, where a throw would stop the connection's reader, so every
 * callback here catches.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { isBreakwaterError } from '../../../engine/src/index.js';
import type { EngineBroadcast, EngineRequest, WorkerMetrics } from '../engine-link/types.js';
import { toWireError } from '../engine-link/wire-error.js';
import { broadcastSubject, METRICS_SUBJECT, requestSubject, SHARD_QUEUE_GROUP } from './partitions.js';
import { decodeMetrics, decodeRequest, encodeBroadcast, encodeReply, type WireReply } from './wire.js';

type Log = (message: string) => void;
const defaultLog: Log = (message) => console.error(message);
const describe = (err: unknown): string => (err as Error)?.stack ?? String(err);

/**
 * Serves one partition's requests (in the shards' queue group). Requests are
 * handled concurrently: replies may leave in another order than requests came.
 * `stop()` drains the subscription: requests already delivered are still
 * handled, no new one is taken.
 */
export function servePartition(
  nc: NatsConnection,
  partition: number,
  handle: (request: EngineRequest, owner: string) => Promise<unknown>,
  log: Log = defaultLog,
): { stop(): Promise<void> } {
  const respond = (msg: Msg, reply: WireReply): void => {
    try {
      msg.respond(encodeReply(reply));
    } catch (err) {
      log(`partition ${partition}: cannot reply: ${describe(err)}`);
      // E.g. a result above the server's max_payload: the gateway learns now instead of timing out.
      if (reply.ok) respond(msg, { ok: false, error: toWireError(err) });
    }
  };
  const answer = async (msg: Msg): Promise<void> => {
    let reply: WireReply;
    try {
      const { owner, request } = decodeRequest(msg.data);
      reply = { ok: true, result: await handle(request, owner) };
    } catch (err) {
      if (!isBreakwaterError(err)) log(`partition ${partition}: request failed: ${describe(err)}`);
      reply = { ok: false, error: toWireError(err) };
    }
    respond(msg, reply);
  };
  const sub = nc.subscribe(requestSubject(partition), {
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
