import { fileStores } from './event-store-fixtures.js';
import { describeEventStore } from './event-store.conformance.js';

describeEventStore(fileStores());
