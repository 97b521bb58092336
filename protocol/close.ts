/** WebSocket close codes the gateway uses (DESIGN.md). */
export const CLOSE = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  authFailed: 1008,
  tooBig: 1009,
  overloaded: 1013,
  slowConsumer: 4008,
});
