import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { pendingBytes, writeFrames, type Writer } from '../../server/socket-write.js';
import { until } from '../helpers/wait.js';

/** a connected pair on loopback: `w` writes, `r` reads and starts paused */
async function pair(): Promise<{ w: Writer; r: net.Socket; close(): void }> {
  const srv = net.createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const accepted = new Promise<net.Socket>((ok) => srv.once('connection', ok));
  const r = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  r.pause();
  const socket = await accepted;
  return { w: { socket, inLibuv: 0 }, r, close: () => { socket.destroy(); r.destroy(); srv.close(); } };
}

describe('socket-write: direct writes keep order with the stream and are counted while waiting', () => {
  test('frames written directly, as a batch and through socket.write arrive in order, past a full kernel buffer', async () => {
    const { w, r, close } = await pair();
    const chunks: Buffer[] = [];
    let expected = 0;
    // 64 KiB pieces, each filled with its index: enough to fill the kernel's buffers so that later
    // writes queue in libuv or in the stream while earlier ones wait
    const piece = (i: number) => Buffer.alloc(64 * 1024, i % 251);
    const order: number[] = [];
    let sawPending = false;
    for (let i = 0; i < 300; i++) {
      order.push(i);
      if (i % 3 === 0) expected += writeFrames(w, piece(i));
      else if (i % 3 === 1) {
        order.push(i + 1000);
        expected += writeFrames(w, [piece(i), piece(i + 1000)]);
      } else {
        w.socket.write(piece(i));
        expected += 64 * 1024;
      }
      if (pendingBytes(w) > 0) sawPending = true;
    }
    assert.ok(sawPending, 'the reader is paused: some output must wait in the stream or in libuv');
    assert.ok(pendingBytes(w) >= 64 * 1024, `pendingBytes counts what waits (${pendingBytes(w)})`);
    r.on('data', (d: Buffer) => chunks.push(d));
    r.resume();
    await until(() => chunks.reduce((n, c) => n + c.length, 0) >= expected, 20_000, 'every byte to arrive');
    const got = Buffer.concat(chunks);
    assert.equal(got.length, expected);
    order.forEach((i, k) => {
      const at = k * 64 * 1024;
      assert.ok(got[at] === i % 251 && got[at + 64 * 1024 - 1] === i % 251, `piece ${i} in place ${k}`);
    });
    await until(() => pendingBytes(w) === 0, 5000, 'nothing left waiting');
    close();
  });

  test('a write to a socket whose peer is gone closes it instead of throwing', async () => {
    const { w, r, close } = await pair();
    r.destroy();
    await until(() => {
      writeFrames(w, Buffer.alloc(1024));
      return w.socket.destroyed;
    }, 5000, 'the writer to close');
    close();
  });
});
