/**
 * The NATS payloads of cluster mode, in msgpack. One Packr without records:
 * record structures learned at run time would make a message readable only
 * by a process that saw the earlier ones, and NATS gives no such guarantee.
 */
import { Packr } from 'msgpackr';
import type { EngineBroadcast, EngineRequest, WireError, WorkerMetrics } from '../engine-link/types.js';

const packr = new Packr({ useRecords: false });

/** A request, with the gateway process that sent it (the sessions it opens are that process's). */
export interface WireRequest {
  owner: string;
  request: EngineRequest;
}

export type WireReply = { ok: true; result: unknown } | { ok: false; error: WireError };

export const encodeRequest = (request: WireRequest): Uint8Array => packr.pack(request);
export const decodeRequest = (data: Uint8Array): WireRequest => packr.unpack(data) as WireRequest;

export const encodeReply = (reply: WireReply): Uint8Array => packr.pack(reply);
export const decodeReply = (data: Uint8Array): WireReply => packr.unpack(data) as WireReply;

export const encodeBroadcast = (broadcast: EngineBroadcast): Uint8Array => packr.pack(broadcast);
export const decodeBroadcast = (data: Uint8Array): EngineBroadcast => packr.unpack(data) as EngineBroadcast;

export const encodeMetrics = (metrics: WorkerMetrics): Uint8Array => packr.pack(metrics);
export const decodeMetrics = (data: Uint8Array): WorkerMetrics => packr.unpack(data) as WorkerMetrics;
