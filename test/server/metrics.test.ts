import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClient } from '../helpers/client.js';
import { startGateway } from '../helpers/gateway.js';
import { Counter, Histogram, Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../../server/metrics.js';

// a value is what Go's ParseFloat reads, which takes NaN and Inf in any case (prom-client writes "Nan"
// for the loop-lag mean before its first sample)
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|[nN][aA][nN]|[+-][iI][nN][fF])( -?[0-9]+)?$/;

/** A strict reader of the Prometheus text format: every sample belongs to a declared family. */
function parseProm(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) { types.set(t[1], t[2]); continue; }
    if (/^# HELP /.test(line)) continue;
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]) || types.has(family), `sample ${m[1]} has no # TYPE`);
    values.set(m[1] + (m[2] ?? ''), Number(m[5]));
  }
  return values;
}

test('/metrics parses as Prometheus text and counts what happened', async () => {
  const g = await startGateway();
  const a = await TestClient.connect(`${g.url}/?user=a`);
  const b = await TestClient.connect(`${g.url}/?user=b`);
  await a.join('m');
  await b.join('m');
  a.send({ op: 'send', room: 'm', id: '1', body: 'x' });
  await b.waitFor((f) => f.op === 'msg');
  const res = await fetch(`${g.http}/metrics`);
  assert.equal(res.status, 200);
  const v = parseProm(await res.text());
  assert.equal(v.get('bfg_connections{node="n1"}'), 2);
  assert.equal(v.get('bfg_fanout_deliveries_total{node="n1"}'), 1);
  assert.equal(v.get('bfg_delivery_latency_seconds_count{node="n1"}'), 1);
  assert.ok((v.get('bfg_messages_in_total{node="n1"}') ?? 0) >= 3);
  const health = await (await fetch(`${g.http}/health`)).json();
  assert.equal(health.status, 'ok');
  const hist = await (await fetch(`${g.http}/rooms/m/messages?after=0&limit=10`)).json();
  assert.deepEqual(hist.messages.map((m: { id: string }) => m.id), ['1']);
  assert.equal((await fetch(`${g.http}/rooms/m/messages?limit=0`)).status, 400);
  a.close(); b.close();
  await g.gw.close();
});

test('HotHistogram reads exactly as prom-client\'s Histogram fed the same values, bounds included; HotCounter counts across scrapes', async () => {
  const bounds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  const hot = new Registry(), ref = new Registry();
  hot.setDefaultLabels({ node: 'n' }); ref.setDefaultLabels({ node: 'n' });
  const h = new HotHistogram('lat_seconds', 'latency', bounds, hot);
  const r = new Histogram({ name: 'lat_seconds', help: 'latency', buckets: bounds, registers: [ref] });
  const c = new HotCounter({ name: 'frames_total', help: 'frames', registers: [hot] });
  const rc = new Counter({ name: 'frames_total', help: 'frames', registers: [ref] });
  // every bound itself (le is inclusive), either side of each, 0, past the last, and a seeded spread
  let x = 7;
  const values = [0, 3, 100, ...bounds.flatMap((b) => [b, b * 0.999, b * 1.001])];
  for (let i = 0; i < 500; i++) values.push(((x = (x * 48271) % 2147483647) / 2147483647) * 3);
  for (const [i, v] of values.entries()) {
    h.observe(v); r.observe(v);
    c.inc(i % 3); rc.inc(i % 3);
    if (i === 100) assert.equal(await hot.metrics(), await ref.metrics(), 'a scrape in between');
  }
  const text = await hot.metrics();
  assert.equal(text, await ref.metrics());
  assert.equal(parseProm(text).get('lat_seconds_count{node="n"}'), values.length);
  assert.equal(await hot.metrics(), text, 'reading twice adds nothing');
});

test('a hot histogram answers a windowed quantile: what was observed since the last call, at its buckets', async () => {
  const { Registry } = await import('prom-client');
  const { HotHistogram } = await import('../../server/metrics.js');
  const h = new HotHistogram('t_window', 'test', [1, 2, 5, 10], new Registry());
  assert.equal(h.windowQuantile(0.99), 0, 'nothing observed');
  for (let i = 0; i < 99; i++) h.observe(0.5);
  h.observe(7);
  assert.equal(h.windowQuantile(0.99), 1, '99 of 100 under 1');
  assert.equal(h.windowQuantile(0.5), 0, 'nothing since');
  for (let i = 0; i < 10; i++) h.observe(4);
  assert.equal(h.windowQuantile(0.99), 5, 'this window only');
});
