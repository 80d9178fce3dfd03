import { redisStores } from './event-store-fixtures.js';
import { describeEventStore } from './event-store.conformance.js';

describeEventStore(redisStores());
