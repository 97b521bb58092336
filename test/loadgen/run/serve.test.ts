/** `--serve`'s gateways (real `bfg serve` processes on a real redis-server): what they say reaches the run. */
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startGateway } from '../../../loadgen/run/serve.js';
import { TestClient } from '../../helpers/client.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

describe('loadgen --serve: the gateways it starts', () => {
  let redis: TestRedis;
  let admin: Redis;
  before(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  after(async () => {
    admin.disconnect();
    await redis.stop();
  });

  test("a gateway's warning during the run reaches the run's stderr, named by its node", async () => {
    const t0 = Date.now();
    const served = await startGateway(['--presence-beat-ms', '100', '--presence-stale-ms', '400'], () => t0, 1, redis.url);
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      said.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    const c = await TestClient.connect(`${served.urls[0]}/?user=ann`);
    try {
      // what a survivor does to a node it takes for dead: the node's registration goes, and the node
      // says so at its next beat (on its stderr) as it writes its users back
      await until(async () => (await admin.get('bfg:node:n1')) !== null, 5000, 'the node to beat');
      const inc = (await admin.get('bfg:node:n1'))!;
      await admin.srem('bfg:incarnations', `n1:${inc}`);
      await until(() => said.some((l) => /^\[n1\] bfg serve: presence: node n1 was taken for dead/.test(l)), 5000, "the gateway's line on this run's stderr");
    } finally {
      process.stderr.write = write;
      c.close();
      await served.stop();
    }
  });
});
