import { memoryStores } from './event-store-fixtures.js';
import { describeEventStore } from './event-store.conformance.js';

describeEventStore(memoryStores());
