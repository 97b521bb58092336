/** WebSocket close codes the gateway uses (docs/architecture.md); the ones an error causes come from the catalogue. */
import { ERRORS } from './errors.js';

export const CLOSE = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  authFailed: ERRORS.auth_failed.close,
  tooBig: 1009,
  overloaded: ERRORS.overloaded.close,
  slowConsumer: ERRORS.slow_consumer.close,
});
