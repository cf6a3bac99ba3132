export { InProcessEventBus, type RunEventListener } from './bus.js';
