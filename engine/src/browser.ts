/**
 * The core's browser-safe entry: the types the shared protocol (bundled into
 * the fan and organizer pages) takes from the engine. index.ts is the entry
 * for Node; its modules bring node:crypto, which the pages do not have.
 */
export type { HoldRequest } from './inventory/inventory.js';
export type { Phase } from './lifecycle/sale-machine.js';
