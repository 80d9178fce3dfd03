/**
 * The fan page's registration card (docs/presales.md, "Registration"): while
 * an event takes registrations for its coded presale, a signed-in fan
 * registers (or withdraws) with its identity token; after the draw it reads
 * whether it is invited (its code fills the access-code form) or where it
 * waits, and how to check the draw from its receipt, which this browser keeps.
 */
import { $ } from './dom.js';
import { dateTime } from './format.js';

export interface RegistrationInfo {
  opensAt: number;
  closesAt: number;
  phaseId: string;
  stage: 'none' | 'open' | 'drawn';
  commitment: string | null;
}

interface RegistrationView {
  fanId: string;
  state: 'none' | 'registered' | 'withdrawn' | 'invited' | 'waitlisted';
  registration: number | null;
  rank: number | null;
  waitlistPosition: number | null;
  code: string | null;
  receipt?: string;
}

const receiptKey = (eventId: string, fanId: string) => `breakwater.registrationReceipt.${eventId}.${fanId}`;

function line(text: string, className = ''): HTMLParagraphElement {
  const p = document.createElement('p');
  p.textContent = text;
  p.className = className;
  return p;
}

function button(text: string, action: () => void): HTMLParagraphElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'primary';
  b.textContent = text;
  b.addEventListener('click', action);
  const p = document.createElement('p');
  p.append(b);
  return p;
}

/** Shows the card for `info` (hidden when the event has no registration), asking the server with `token` when there is one. */
export async function showRegistration(eventId: string, info: RegistrationInfo | null, token: string | null): Promise<void> {
  const card = $('#registration');
  card.hidden = info === null;
  if (info === null) return;
  const body = $('#registration-body');
  const base = `/api/public/events/${encodeURIComponent(eventId)}/registration`;
  const draw = () => {
    const proof = document.createElement('p');
    proof.className = 'muted small';
    const link = document.createElement('a');
    link.href = `/api/public/events/${encodeURIComponent(eventId)}/draws/registration`;
    link.textContent = 'the draw\'s public proof';
    proof.append('Check it yourself: download ', link, ' and run npm run verify-shuffle -- proof.json --receipt <your receipt> --fan <your fan id> (docs/fairness.md).');
    return proof;
  };
  const show = (view: RegistrationView | null, error?: string) => {
    const parts: HTMLElement[] = [line(`Registration ${info.stage === 'none' ? 'opens' : 'opened'} ${dateTime(info.opensAt)}; the draw is at ${dateTime(info.closesAt)}.`, 'muted small')];
    if (info.commitment !== null) parts.push(line(`The draw's seed is sealed: its commitment is ${info.commitment}.`, 'muted small mono'));
    if (error !== undefined) parts.push(line(error, 'banner bad'));
    const open = info.stage === 'open' && Date.now() < info.closesAt;
    if (view === null) {
      if (token === null) parts.push(line('Sign in with your account to register or to see your registration.'));
    } else {
      const receipt = view.receipt ?? localStorage.getItem(receiptKey(eventId, view.fanId));
      if (view.receipt !== undefined) localStorage.setItem(receiptKey(eventId, view.fanId), view.receipt);
      switch (view.state) {
        case 'none':
          parts.push(line(open ? 'You are not registered.' : 'You did not register.'));
          if (open) parts.push(button('Register', () => void act('register')));
          break;
        case 'registered':
          parts.push(line(`You are registered (number ${view.registration}). The draw decides who is invited to the presale.`, 'banner ok'));
          if (open) parts.push(button('Withdraw', () => void act('withdraw')));
          break;
        case 'withdrawn':
          parts.push(line('You withdrew your registration.'));
          if (open) parts.push(button('Register again', () => void act('register')));
          break;
        case 'invited':
          parts.push(line(`You are invited (place ${view.rank} in the draw). Your access code: ${view.code}`, 'banner ok'));
          parts.push(line('It is bound to your account and filled in below for the presale.', 'muted small'));
          if (view.code !== null) $<HTMLInputElement>('#access-code').value = view.code;
          break;
        case 'waitlisted':
          parts.push(line(`The draw did not invite you yet: you are number ${view.waitlistPosition} on its waitlist (place ${view.rank}). If invitees do not use their codes, the next are invited in this order.`));
          break;
      }
      if (receipt !== null) parts.push(line(`Your receipt: ${receipt}`, 'muted small mono'));
      if (info.stage === 'drawn') parts.push(draw());
    }
    body.replaceChildren(...parts);
  };
  /** One request to the registration API, its answer shown (a refusal's message, or the network's failure). */
  const ask = async (url: string, init: RequestInit) => {
    try {
      const response = await fetch(url, init);
      const answer = (await response.json()) as RegistrationView & { message?: string };
      if (response.ok) show(answer);
      else show(null, answer.message ?? 'That did not work: try again.');
    } catch {
      show(null, 'The network failed: try again in a moment.');
    }
  };
  const act = (what: 'register' | 'withdraw') =>
    ask(what === 'register' ? base : `${base}/withdraw`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: token }) });
  if (token === null || info.stage === 'none') return show(null);
  await ask(base, { headers: { authorization: `Bearer ${token}` } });
}
