/** The reconnect-storm model: one input, two engines that check each other. */
export * from './input.js';
export { aggregateStorm } from './aggregate.js';
export { eventsStorm } from './events.js';
