/**
 * The NATS payloads of cluster mode, in msgpack. One Packr without records:
 * record structures learned at run time would make a message readable only
 * by a process that saw the earlier ones, and NATS gives no such guarantee.
 */
import { Packr } from 'msgpackr';
import type { EngineBroadcast, EngineMetrics, EngineRequest, WireError, WorkerMetrics } from './types.js';

const packr = new Packr({ useRecords: false });

/**
 * Requests of one gateway process for one partition, sent in one message: the
 * fan requests of an event-loop turn travel together (one NATS message, one
 * durable write and one reply for all of them). `owner` is the process: the
 * sessions the requests open are its.
 */
export interface WireRequests {
  owner: string;
  requests: EngineRequest[];
}

export type WireReply = { ok: true; result: unknown } | { ok: false; error: WireError };

/** One reply per request, in order; or one error for all (the batch could not be read, or its writes not made durable). */
export type WireReplies = { ok: true; replies: WireReply[] } | { ok: false; error: WireError };

export const encodeRequests = (requests: WireRequests): Uint8Array => packr.pack(requests);
export const decodeRequests = (data: Uint8Array): WireRequests => packr.unpack(data) as WireRequests;

export const encodeReplies = (replies: WireReplies): Uint8Array => packr.pack(replies);
export const decodeReplies = (data: Uint8Array): WireReplies => packr.unpack(data) as WireReplies;

export const encodeBroadcast = (broadcast: EngineBroadcast): Uint8Array => packr.pack(broadcast);
export const decodeBroadcast = (data: Uint8Array): EngineBroadcast => packr.unpack(data) as EngineBroadcast;

export const encodeMetrics = (metrics: WorkerMetrics): Uint8Array => packr.pack(metrics);
export const decodeMetrics = (data: Uint8Array): WorkerMetrics => packr.unpack(data) as WorkerMetrics;

export const encodeEngineMetrics = (metrics: EngineMetrics): Uint8Array => packr.pack(metrics);
export const decodeEngineMetrics = (data: Uint8Array): EngineMetrics => packr.unpack(data) as EngineMetrics;

/** Payloads of the gateway's own subjects (its door's counts) in the same codec; their reader knows their type. */
export const encodePayload = (payload: unknown): Uint8Array => packr.pack(payload);
export const decodePayload = (data: Uint8Array): unknown => packr.unpack(data);
