export { InProcessEventBus, type RunEventListener } from './bus.js';
export { openRelay } from './delivery.js';
export { EventRelay, fanOut, type RelayTransport } from './relay.js';
export { runEventStream, SubscriberTooSlowError, type RunEventFilter, type RunEventStreamOptions } from './stream.js';
