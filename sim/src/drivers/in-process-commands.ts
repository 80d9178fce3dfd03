import { isBreakwaterError, type Engine, type HoldRequest, type HoldView, type JoinResult, type SaleEvent } from '../../../engine/src/index.js';
import { ticketOutlook, type TicketOutlook } from '../../../gateway/src/protocol/queue-math.js';
import { ticketsPerFanOf } from '../../../engine/src/index.js';
import type { Ledger } from '../report/ledger.js';
import type { FanModel } from '../model/fan-model.js';
import { fanIdOf } from '../model/fan-table.js';
import type { Venue } from '../scenario/venue.js';
import { EPOCH_MS } from '../scenario/event-config.js';
import type { Code, JoinAnswer, JoinAttempt, PaymentStart, SaleCommands } from './driver.js';

/** The payment id of a fan's attempt at paying for a hold (its idempotency key too). */
export function paymentIdOf(hold: number, attempt: number): string {
  return `p${hold}.${attempt}`;
}

/** The hold of a payment id made by paymentIdOf. */
export function holdOfPaymentId(paymentId: string): number {
  return Number(paymentId.slice(1, paymentId.indexOf('.')));
}

/** The fan and payment commands, carried to the SaleEvent (or through Engine.execute). */
export class InProcessCommands implements SaleCommands {
  readonly errors: Record<string, number> = {};
  readonly engineErrors: string[] = [];
  commands = 0;
  private readonly requests: Array<(quantity: number) => HoldRequest>;

  constructor(
    private readonly eventId: string,
    private readonly engine: Engine,
    private readonly sale: SaleEvent,
    private readonly venue: Venue,
    private readonly model: FanModel,
    private readonly viaExecute: boolean,
    /** The report's books, as far as the journal was flushed: the supply the last queue broadcast carried. */
    private readonly ledger: Ledger,
    /** The access code a fan joins with (an invitation to the presale), if any. */
    private readonly accessCodeOf: (fanId: string) => string | undefined = () => undefined,
  ) {
    this.requests = venue.options.map((o) =>
      o.kind === 'tier'
        ? (quantity: number): HoldRequest => ({ kind: 'tickets', tierId: o.id, quantity })
        : (quantity: number): HoldRequest => ({ kind: 'best', category: o.id, quantity }),
    );
  }

  /** Runs a command as a transport would; returns the engine's error code, if any. */
  execute(command: Record<string, unknown>): Code {
    this.commands++;
    try {
      this.engine.execute(command);
      return undefined;
    } catch (err) {
      return this.failure(err);
    }
  }

  join(fan: number, attempt: JoinAttempt): void {
    this.commands++;
    const { fanId, address, powBits } = attempt;
    const accessCode = this.accessCodeOf(fanId);
    const context = accessCode === undefined ? { address, powBits } : { address, powBits, accessCode };
    let code: Code;
    let answer: JoinAnswer = {};
    try {
      const result = this.viaExecute
        ? (this.engine.execute({ type: 'join', eventId: this.eventId, fanId, ...context }) as JoinResult)
        : this.sale.join(fanId, context);
      answer = { readyAt: readyAtOf(result) };
    } catch (err) {
      code = this.failure(err);
      if (isBreakwaterError(err) && typeof err.details.difficulty === 'number') answer = { difficulty: err.details.difficulty };
    }
    this.model.onJoin(fan, code, answer);
  }

  leave(fan: number): void {
    this.commands++;
    const fanId = fanIdOf(fan);
    try {
      if (this.viaExecute) this.engine.execute({ type: 'leave', eventId: this.eventId, fanId });
      else this.sale.leave(fanId);
    } catch (err) {
      this.failure(err);
    }
  }

  presence(fan: number, connected: boolean): void {
    this.commands++;
    const fanId = fanIdOf(fan);
    try {
      if (this.viaExecute) this.engine.execute({ type: 'presence', eventId: this.eventId, fanId, connected });
      else this.sale.setPresence(fanId, connected);
    } catch (err) {
      this.failure(err);
    }
  }

  hold(fan: number, grant: number, option: number, quantity: number, attempt: number): void {
    this.commands++;
    const fanId = fanIdOf(fan);
    const grantId = `g${grant}`;
    const request = this.requests[option]!(quantity);
    const key = `h${grant}.${attempt}`;
    let holdNo = 0;
    let held = 0;
    let code: Code;
    try {
      const view = this.viaExecute
        ? (this.engine.execute({ type: 'hold', eventId: this.eventId, fanId, grantId, request, key }) as { holdId: string; quantity: number })
        : this.sale.hold(fanId, grantId, request, key);
      holdNo = Number(view.holdId.slice(1));
      held = view.quantity;
    } catch (err) {
      code = this.failure(err);
    }
    this.model.onHold(fan, code, holdNo, held);
  }

  startPayment(fan: number, hold: number, attempt: number): void {
    this.commands++;
    const fanId = fanIdOf(fan);
    const holdId = `h${hold}`;
    const paymentId = paymentIdOf(hold, attempt);
    let code: Code;
    let start: PaymentStart | undefined;
    try {
      const view = this.viaExecute
        ? (this.engine.execute({ type: 'startPayment', eventId: this.eventId, fanId, holdId, paymentId, key: paymentId }) as HoldView)
        : this.sale.startPayment(fanId, holdId, paymentId, paymentId);
      start = view.status === 'paymentQueued' ? { queued: true } : { channel: view.channel! };
    } catch (err) {
      code = this.failure(err);
    }
    this.model.onPaymentStarted(fan, code, start);
  }

  release(fan: number, hold: number): void {
    this.commands++;
    const fanId = fanIdOf(fan);
    const holdId = `h${hold}`;
    let code: Code;
    try {
      if (this.viaExecute) this.engine.execute({ type: 'releaseHold', eventId: this.eventId, fanId, holdId, key: 'release' });
      else this.sale.releaseHold(fanId, holdId, 'release');
    } catch (err) {
      code = this.failure(err);
    }
    this.model.onRelease(fan, code);
  }

  confirm(fan: number, hold: number, attempt: number): void {
    this.model.onConfirm(fan, this.confirmPurchase(hold, attempt));
  }

  lateCharge(fan: number, hold: number, attempt: number): void {
    this.model.onLateCharge(fan, this.confirmPurchase(hold, attempt), hold);
  }

  private confirmPurchase(hold: number, attempt: number): Code {
    this.commands++;
    const holdId = `h${hold}`;
    const paymentId = paymentIdOf(hold, attempt);
    try {
      if (this.viaExecute) this.engine.execute({ type: 'confirmPurchase', eventId: this.eventId, holdId, paymentId });
      else this.sale.confirmPurchase(holdId, paymentId);
      return undefined;
    } catch (err) {
      return this.failure(err);
    }
  }

  fail(fan: number, hold: number, attempt: number, reason: string, failure?: 'error' | 'timeout'): void {
    this.commands++;
    const holdId = `h${hold}`;
    const paymentId = paymentIdOf(hold, attempt);
    let code: Code;
    try {
      if (this.viaExecute) this.engine.execute({ type: 'failPayment', eventId: this.eventId, holdId, paymentId, reason, ...(failure === undefined ? {} : { failure }) });
      else this.sale.failPayment(holdId, paymentId, reason, failure);
    } catch (err) {
      code = this.failure(err);
    }
    this.model.onFail(fan, code);
  }

  available(option: number): number {
    const o = this.venue.options[option]!;
    const inventory = this.sale.inventory;
    return o.kind === 'tier' ? inventory.tiers.freeIn(o.id) : inventory.seats.freeIn(o.id);
  }

  /**
   * As the gateway computes it for `joined`, from the place's number and the
   * supply as of the last flushed tick (status() would count the waitlist, a
   * walk over every waiting place, on each join).
   */
  outlook(fan: number): TicketOutlook | null {
    const supply = this.ledger.supply();
    return ticketOutlook(this.sale.room.numberOf(fanIdOf(fan)), this.sale.room.nowServing, {
      ticketsFree: supply.tickets.free,
      ticketsHeld: supply.tickets.held,
      openGrants: supply.openGrants,
      ticketsPerFan: ticketsPerFanOf(supply, this.sale.config.maxTicketsPerFan),
    });
  }

  mayCloseThePage(fan: number): boolean {
    const after = this.sale.awayAfter();
    const number = this.sale.room.numberOf(fanIdOf(fan));
    return after !== undefined && number > after && this.sale.room.isPresent(fanIdOf(fan));
  }

  private failure(err: unknown): string {
    if (isBreakwaterError(err)) {
      this.errors[err.code] = (this.errors[err.code] ?? 0) + 1;
      return err.code;
    }
    if (this.engineErrors.length < 20) this.engineErrors.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
    this.errors.ENGINE_ERROR = (this.errors.ENGINE_ERROR ?? 0) + 1;
    return 'ENGINE_ERROR';
  }
}

/** When the place is numbered, in simulated time: its draw's instant, its slow-lane readyAt, or (undefined) now. */
function readyAtOf(result: JoinResult): number | undefined {
  return result.numberedAt === undefined ? undefined : result.numberedAt - EPOCH_MS;
}
