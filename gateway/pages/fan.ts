/**
 * Placeholder fan page (to be replaced): joins the first event on sale, shows
 * the place, holds one ticket of the first tier when admitted, pays with the
 * demo provider. Shows how a page uses the shared protocol module.
 */
import { CLOSE_CODES, decodeServerMessage, encodeMessage, estimateWait, PROTOCOL_VERSION, solvePow, type ClientMessage, type ServerMessage } from '../src/protocol/index.js';

const status = document.querySelector('#status')!;
const actions = document.querySelector('#actions')!;
const log = document.querySelector('#log')!;
const fanId = localStorage.getItem('breakwater.fanId') ?? crypto.randomUUID();
localStorage.setItem('breakwater.fanId', fanId);
let number = 0;
let grantId: string | null = null;
let rid = 0;

function show(line: string): void {
  log.textContent = `${line}\n${log.textContent ?? ''}`.slice(0, 20_000);
}

async function firstEvent(): Promise<{ eventId: string; tiers: Array<{ id: string; name: string }> }> {
  const { events } = (await (await fetch('/api/public/events')).json()) as { events: Array<{ eventId: string }> };
  if (events.length === 0) throw new Error('no event on sale');
  return (await (await fetch(`/api/public/events/${encodeURIComponent(events[0]!.eventId)}`)).json()) as { eventId: string; tiers: Array<{ id: string; name: string }> };
}

function connect(event: { eventId: string; tiers: Array<{ id: string; name: string }> }): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.binaryType = 'arraybuffer';
  const send = (message: ClientMessage) => ws.send(encodeMessage(message));
  const join = (pow: { challenge: string; nonce: string } | null = null) =>
    send({ t: 'join', rid: ++rid, eventId: event.eventId, fanId, token: sessionStorage.getItem(`breakwater.token.${event.eventId}`), powChallenge: pow?.challenge ?? null, powNonce: pow?.nonce ?? null });
  ws.onopen = () => {
    send({ t: 'hello', v: PROTOCOL_VERSION, client: 'placeholder-fan-page' });
    join();
  };
  ws.onmessage = (frame) => {
    const message: ServerMessage = decodeServerMessage(new Uint8Array(frame.data as ArrayBuffer));
    if (message.t !== 'queue') show(JSON.stringify(message));
    switch (message.t) {
      case 'joined':
        sessionStorage.setItem(`breakwater.token.${event.eventId}`, message.queueToken);
        number = message.number;
        grantId = message.grantId;
        status.textContent = `Place ${number || '(drawn at the on-sale time)'} — ${message.phase}`;
        break;
      case 'numbered':
        number = message.number;
        break;
      case 'queue': {
        const eta = estimateWait(number, message);
        status.textContent = `Place ${number || '(drawn at the on-sale time)'}, now serving ${message.nowServing}, ${message.waiting} waiting` +
          (eta === null ? '' : `, about ${eta.low}–${eta.high} s`) + ` — ${message.phase}`;
        break;
      }
      case 'admitted':
        grantId = message.grantId;
        status.textContent = 'Your turn!';
        actions.innerHTML = '';
        for (const tier of event.tiers) {
          const button = document.createElement('button');
          button.textContent = `Hold 1 × ${tier.name}`;
          button.onclick = () => send({ t: 'hold', rid: ++rid, grantId, request: { kind: 'tickets', tierId: tier.id, quantity: 1 }, key: crypto.randomUUID() });
          actions.append(button);
        }
        break;
      case 'held': {
        actions.innerHTML = '';
        const button = document.createElement('button');
        button.textContent = `Pay ${(message.hold.amount / 100).toFixed(2)} ${message.hold.currency}`;
        button.onclick = () => send({ t: 'pay', rid: ++rid, holdId: message.hold.holdId, key: crypto.randomUUID() });
        actions.append(button);
        break;
      }
      case 'paymentStarted':
        actions.innerHTML = '';
        if (message.checkoutUrl !== null) void fetch(message.checkoutUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"decision":"approve"}' });
        status.textContent = 'Paying…';
        break;
      case 'purchased':
        status.textContent = 'Purchased. Enjoy the show!';
        break;
      case 'error':
        if (message.code === 'POW_REQUIRED' || message.code === 'POW_INVALID') {
          const { challenge, difficulty } = message.details as { challenge: string; difficulty: number };
          const nonce = solvePow(challenge, fanId, difficulty);
          if (nonce !== null) join({ challenge, nonce });
        }
        if (message.code === 'TOKEN_INVALID') {
          sessionStorage.removeItem(`breakwater.token.${event.eventId}`);
          join();
        }
        break;
    }
  };
  ws.onclose = (close) => {
    status.textContent = `Disconnected (${close.code}); reconnecting…`;
    if (close.code !== CLOSE_CODES.PROTOCOL_VERSION && close.code !== CLOSE_CODES.SESSION_REPLACED) setTimeout(() => connect(event), 1000 + Math.random() * 2000);
  };
}

firstEvent().then(connect, (err: unknown) => (status.textContent = String(err)));
