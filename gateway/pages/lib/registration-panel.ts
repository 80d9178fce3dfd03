/**
 * The organizer page's registration for a coded presale (docs/presales.md,
 * "Registration"): open or change it (times, the coded phase it invites to,
 * the share of invitees expected to buy and their tickets), its figures and
 * its draw (commitment, seed, proof), close it now, and invite the next N
 * from its waitlist. organizer.ts hands in its API call and error display.
 */
import { $ } from './dom.js';
import type { PresaleDeps, SalePhase } from './presales.js';
import { figureItems } from './figures.js';

interface RegistrationConfig { opensAt: number; closesAt: number; phaseId: string; buyerSharePercent: number; ticketsPerBuyer: number; seats?: number }
interface RegistrationStatus {
  stage: 'none' | 'open' | 'drawn'; registered: number; withdrawn: number; seats: number | null; invitations: number | null;
  invited: number; waitlisted: number; joined: number;
}
interface DrawView { draw: string; commitment: string; seed?: string; drawsAt: number }
export interface RegistrationEvent {
  config: { id: string; phases?: SalePhase[]; registration?: RegistrationConfig };
  status: { registration?: RegistrationStatus; draws?: DrawView[] };
}

const STAGES: Record<RegistrationStatus['stage'], string> = { none: 'not open yet', open: 'open', drawn: 'drawn' };

export function setupRegistration(deps: PresaleDeps) {
  const form = $<HTMLFormElement>('#registration-form');
  const errors = $('#registration-errors');
  let eventId: string | null = null;
  const path = (suffix = '') => `/api/events/${encodeURIComponent(eventId!)}/registration${suffix}`;
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

  function show(event: RegistrationEvent): void {
    const changed = event.config.id !== eventId;
    eventId = event.config.id;
    const registration = event.config.registration;
    const status = event.status.registration;
    const coded = (event.config.phases ?? []).filter((p) => p.access.kind === 'code');
    const select = field('phaseId') as HTMLSelectElement;
    if (changed || select.options.length !== coded.length) {
      select.replaceChildren(...coded.map((p) => new Option(`${p.name} (${p.id})`, p.id)));
      deps.clearErrors(form, errors);
      $('#registration-result').textContent = '';
    }
    if (changed) {
      const now = Date.now();
      field('opensAt').value = deps.localInput(registration?.opensAt ?? now);
      // Three days of registration by default, closing before the coded phase opens.
      const phaseOpens = coded[0]?.preQueueOpensAt ?? now + 3 * 86_400_000;
      field('closesAt').value = deps.localInput(registration?.closesAt ?? Math.min(now + 3 * 86_400_000, phaseOpens));
      if (registration !== undefined) {
        select.value = registration.phaseId;
        field('buyerSharePercent').value = String(registration.buyerSharePercent);
        field('ticketsPerBuyer').value = String(registration.ticketsPerBuyer);
      }
    }
    $('#registration').hidden = coded.length === 0;
    const submit = $<HTMLButtonElement>('#registration-submit');
    submit.textContent = registration === undefined ? 'Open registration' : 'Change registration';
    // Once drawn nothing of it changes: its invitations were made on it.
    submit.disabled = status?.stage === 'drawn';
    $('#registration-stage').textContent = status === undefined ? 'none' : STAGES[status.stage];
    const draw = event.status.draws?.find((d) => d.draw === 'registration');
    const figures: Array<[string, string]> = status === undefined ? [] : [
      ['Registered', status.registered.toLocaleString()], ['Withdrawn', status.withdrawn.toLocaleString()],
      ['Sized on', status.seats === null ? '—' : `${status.seats.toLocaleString()} tickets`],
      ['Invited', status.invited.toLocaleString()], ['On the waitlist', status.waitlisted.toLocaleString()], ['Joined with their code', status.joined.toLocaleString()],
    ];
    $('#registration-figures').replaceChildren(...figureItems(figures));
    $('#registration-draw').textContent = draw === undefined ? '' : `Commitment ${draw.commitment}${draw.seed === undefined ? ` · draws at ${new Date(draw.drawsAt).toLocaleString()}` : ` · seed ${draw.seed}`}`;
    const proof = $<HTMLAnchorElement>('#registration-proof');
    proof.hidden = status?.stage !== 'drawn';
    proof.href = `/api/public/events/${encodeURIComponent(eventId)}/draws/registration`;
    $<HTMLButtonElement>('#registration-close').disabled = status?.stage !== 'open';
    $<HTMLButtonElement>('#invite-next').disabled = status?.stage !== 'drawn' || status.waitlisted === 0;
  }

  /** Runs one request, saying what came of it beside the buttons (or under the form's fields). */
  const run = (request: () => Promise<string>) => void (async () => {
    try {
      $('#registration-result').textContent = await request();
      deps.clearErrors(form, errors);
    } catch (err) {
      $('#registration-result').textContent = '';
      deps.showErrors(err, form, errors);
    }
  })();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (eventId === null) return;
    const number = (name: string) => Number(field(name).value);
    const body = {
      opensAt: deps.timeOf(form, 'opensAt'), closesAt: deps.timeOf(form, 'closesAt'), phaseId: field('phaseId').value,
      buyerSharePercent: number('buyerSharePercent'), ticketsPerBuyer: number('ticketsPerBuyer'),
    };
    run(async () => {
      await deps.api('PUT', path(), body);
      return 'Saved.';
    });
  });
  $('#registration-close').addEventListener('click', () => {
    if (eventId === null || !confirm('Close registration now? Its draw runs at once.')) return;
    run(async () => {
      const { status } = await deps.api<{ status: RegistrationStatus }>('POST', path('/close'));
      return status.stage === 'drawn' ? `Drawn: ${status.invited} invited, ${status.waitlisted} on the waitlist.` : 'Closed: the draw waits for its beacon.';
    });
  });
  $('#invite-next').addEventListener('click', () => {
    if (eventId === null) return;
    const count = Number($<HTMLInputElement>('#invite-count').value);
    run(async () => {
      const result = await deps.api<{ invited: number; waitlisted: number }>('POST', path('/invite-next'), { count });
      return `Invited ${result.invited} more; ${result.waitlisted} still on the waitlist.`;
    });
  });

  return { show };
}
