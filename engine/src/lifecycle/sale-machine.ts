import { Actor, assign, createActor, setup, type Snapshot } from 'xstate';

/** The phases of a sale, in the order they normally come. */
export const PHASES = ['draft', 'scheduled', 'preQueue', 'onSale', 'paused', 'soldOut', 'closed'] as const;
export type Phase = (typeof PHASES)[number];

export interface Schedule {
  preQueueOpensAt: number;
  onSaleAt: number;
}

/**
 * Time-driven transitions carry the instant they are tried at, and guards
 * compare it with absolute times in the context. Nothing waits on an xstate
 * `after` timer, so a restored actor needs no re-arming: the next tick on the
 * injected clock fires whatever is due.
 */
export type LifecycleEvent =
  | { type: 'PUBLISH' }
  | { type: 'OPEN_PRE_QUEUE'; at: number }
  | { type: 'START_SALE'; at: number }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'SELL_OUT' }
  | { type: 'REOPEN' }
  | { type: 'CLOSE' }
  | { type: 'RESCHEDULE'; schedule: Schedule };

export const saleMachine = setup({
  types: {
    context: {} as Schedule,
    events: {} as LifecycleEvent,
    input: {} as Schedule,
  },
  guards: {
    preQueueIsOpen: ({ context, event }) => event.type === 'OPEN_PRE_QUEUE' && event.at >= context.preQueueOpensAt,
    saleHasStarted: ({ context, event }) => event.type === 'START_SALE' && event.at >= context.onSaleAt,
  },
  actions: {
    reschedule: assign(({ event }) => (event.type === 'RESCHEDULE' ? { ...event.schedule } : {})),
  },
}).createMachine({
  id: 'sale',
  context: ({ input }) => ({ ...input }),
  initial: 'draft',
  on: { RESCHEDULE: { actions: 'reschedule' } },
  states: {
    draft: { on: { PUBLISH: 'scheduled', CLOSE: 'closed' } },
    scheduled: { on: { OPEN_PRE_QUEUE: { target: 'preQueue', guard: 'preQueueIsOpen' }, CLOSE: 'closed' } },
    preQueue: { on: { START_SALE: { target: 'onSale', guard: 'saleHasStarted' }, CLOSE: 'closed' } },
    onSale: { on: { PAUSE: 'paused', SELL_OUT: 'soldOut', CLOSE: 'closed' } },
    paused: { on: { RESUME: 'onSale', SELL_OUT: 'soldOut', CLOSE: 'closed' } },
    soldOut: { on: { REOPEN: 'onSale', CLOSE: 'closed' } },
    closed: { type: 'final' },
  },
});

export type SaleActor = Actor<typeof saleMachine>;

export function startSaleActor(schedule: Schedule): SaleActor {
  return createActor(saleMachine, { input: schedule }).start();
}

/** The actor as data, for a snapshot of its event (engine/src/snapshot). */
export function persistSaleActor(actor: SaleActor): unknown {
  return actor.getPersistedSnapshot();
}

export function isSaleActor(value: object): value is SaleActor {
  return value instanceof Actor && value.logic === saleMachine;
}

/** The actor again, in the state it was persisted in. */
export function resumeSaleActor(persisted: unknown): SaleActor {
  const { context } = persisted as { context: Schedule };
  return createActor(saleMachine, { snapshot: persisted as Snapshot<unknown>, input: context }).start();
}

export function phaseOf(actor: SaleActor): Phase {
  return actor.getSnapshot().value as Phase;
}

export function canTransition(actor: SaleActor, event: LifecycleEvent): boolean {
  return actor.getSnapshot().can(event);
}
