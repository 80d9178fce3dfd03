/**
 * The bench's baseline: a bare uWebSockets.js server doing the same socket
 * work as the gateway and nothing else — hello → welcome, join → subscribe
 * to the event's topic and reply a `joined` of the same shape (a fixed
 * token), a `queue` publish every 250 ms while joins change the figures (as
 * the engine tick does), and one when the parent moves nowServing. Frames
 * go through the shared protocol module, like the gateway's. Several of these
 * processes share the port (SO_REUSEPORT), like the gateway's workers.
 * Forked by gateway-bench.ts; never run directly.
 */
import { decodeFrame, encodeMessage, PROTOCOL_VERSION, queueTopic, type ClientMessage } from '../src/protocol/index.js';
import { loadNativeUws } from '../src/native-uws.js';

export type EchoCommand = { type: 'publish'; eventId: string; nowServing: number } | { type: 'stop' };

if (process.send === undefined) {
  console.error('gateway/bench/echo-server.ts is forked by gateway-bench.ts');
  process.exit(1);
}

const port = Number(process.argv[2]);
const serverId = process.argv[3] ?? 'echo';
const uws = loadNativeUws();
const app = uws.App();
// A token of the size the gateway's queue tokens have, so `joined` frames weigh the same.
const TOKEN = 'x'.repeat(Number(process.argv[4] ?? 160));
let number = 0;
let lastNumber = 0;
let nowServing = 0;
let published = -1;
const topics = new Set<string>();

function publishQueue(eventId: string): void {
  app.publish(queueTopic(eventId), encodeMessage({
    t: 'queue', eventId, phase: 'onSale', nowServing, lastNumber, waiting: lastNumber - nowServing,
    rateLow: 1000, rateHigh: 1000, onSaleAt: 0, serverTime: Date.now(), ticketsFree: 20_000, ticketsHeld: 1_500, openGrants: 400, ticketsPerFan: 2.4, awayAfter: null, paymentsServing: 0,
  }), true);
}

// Like the gateway's engine tick: one queue publish per event every 250 ms while the figures change (joins move lastNumber).
setInterval(() => {
  if (published === lastNumber) return;
  published = lastNumber;
  for (const topic of topics) publishQueue(topic);
}, 250);

app.ws<{ joined: boolean }>('/ws', {
  maxPayloadLength: 64 * 1024,
  idleTimeout: 60,
  maxBackpressure: 64 * 1024,
  sendPingsAutomatically: true,
  upgrade: (res, req, context) => {
    res.upgrade({ joined: false }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
  },
  message: (ws, data) => {
    let message: ClientMessage;
    try {
      message = decodeFrame(Buffer.from(data)) as ClientMessage;
    } catch {
      return;
    }
    if (message.t === 'hello') {
      ws.send(encodeMessage({ t: 'welcome', v: PROTOCOL_VERSION, serverId, serverTime: Date.now() }), true);
    } else if (message.t === 'join') {
      const data = ws.getUserData();
      if (data.joined) return;
      data.joined = true;
      ws.subscribe(queueTopic(message.eventId));
      topics.add(message.eventId);
      number++;
      lastNumber = number;
      ws.send(encodeMessage({
        t: 'joined', rid: message.rid, eventId: message.eventId, fanId: message.fanId, queueToken: TOKEN, number, position: number,
        status: 'waiting', phase: 'paused', nowServing: 0, etaLow: null, etaHigh: null, commitment: 'c'.repeat(64), seed: 's'.repeat(64),
        restored: false, grantId: null, grantExpiresAt: null, holds: [], outlook: null, numberedAt: null, waitlisted: null, waitlistAfter: null, called: false, receipt: null, awayAfter: null, announcement: null,
        lapsedGrantId: null, lapsedAt: null, waitlistEarly: null,
      }), true);
    }
  },
});

app.listen('127.0.0.1', port, (socket) => {
  if (socket === false) {
    process.send!({ type: 'failed', message: `cannot listen on ${port}` });
    process.exit(1);
  }
  process.send!({ type: 'ready', pid: process.pid });
});

process.on('message', (cmd: EchoCommand) => {
  if (cmd.type === 'publish') {
    nowServing = cmd.nowServing;
    publishQueue(cmd.eventId);
  } else if (cmd.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
