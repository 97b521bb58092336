/** Starts an in-process gateway on a free loopback port for a test. */
import { Gateway, type Parts } from '../../server/gateway.js';
import { gatewayOptions, type GatewayOptions } from '../../server/options.js';
import { openParts } from '../../server/parts.js';

export async function startGateway(opts: Partial<GatewayOptions> = {}, parts: Partial<Parts> = {}) {
  const gw = new Gateway({ port: 0, auth: 'none', ...opts }, parts);
  const port = await gw.listen();
  return { gw, port, url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}` };
}

/** Starts a gateway on the parts its options name (Redis, Kafka, RabbitMQ: openParts), on a free loopback port. */
export async function startNode(opts: Partial<GatewayOptions>) {
  const o = gatewayOptions({ port: 0, auth: 'none', ...opts });
  const gw = new Gateway(o, await openParts(o));
  const port = await gw.listen();
  return { gw, port, url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}` };
}
