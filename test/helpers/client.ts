/** A test client on the `ws` package that records frames and waits for the ones a test expects. */
import WebSocket from 'ws';
import { decodeServerFrame, encodeFrame, subprotocolOf, type ClientFrame, type Format, type ServerFrame } from '../../protocol/index.js';

export class TestClient {
  readonly frames: ServerFrame[] = [];
  closed?: { code: number; reason: string };
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket, readonly format: Format) {
    ws.on('message', (d: Buffer) => {
      this.frames.push(decodeServerFrame(d, format));
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** connects and resolves once open (or closed by the server right after the upgrade) */
  static connect(url: string, format: Format = 'json'): Promise<TestClient> {
    const ws = new WebSocket(url, subprotocolOf(format));
    const c = new TestClient(ws, format);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_r, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(f: ClientFrame | Record<string, unknown>): void {
    this.ws.send(encodeFrame(f as ClientFrame, this.format), { binary: this.format !== 'json' });
  }

  raw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** waits until `count` frames match, returns them; rejects after ms */
  async waitFor<T extends ServerFrame = ServerFrame>(pred: (f: ServerFrame) => boolean, count = 1, ms = 10_000): Promise<T[]> {
    const end = Date.now() + ms;
    for (;;) {
      const hits = this.frames.filter(pred);
      if (hits.length >= count) return hits.slice(0, count) as T[];
      if (Date.now() > end) throw new Error(`timed out waiting for ${count} frames; have ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, end - Date.now()));
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  /** waits for the connection to close */
  async waitClose(ms = 3000): Promise<{ code: number; reason: string }> {
    const end = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('timed out waiting for close');
      await new Promise<void>((r) => { const t = setTimeout(r, 20); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
    return this.closed;
  }

  /** joins a room and waits for `joined` */
  async join(room: string, after?: number, epoch?: string) {
    const before = this.frames.length;
    this.send({ op: 'join', room, after, epoch });
    const [j] = await this.waitFor((f) => f.op === 'joined' && f.room === room && this.frames.indexOf(f) >= before);
    return j as Extract<ServerFrame, { op: 'joined' }>;
  }

  msgs(room?: string) {
    return this.frames.filter((f) => f.op === 'msg' && (room === undefined || f.room === room)) as Extract<ServerFrame, { op: 'msg' }>[];
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A round trip that proves the connection still works: presence of oneself. */
let probes = 0;
export async function stillWorks(c: TestClient, ms = 15_000): Promise<void> {
  // a user id no other frame names: the answer to a fuzzed presence frame must not pass for this one
  const probe = `probe-${process.pid}-${++probes}`;
  c.send({ op: 'presence', users: [probe] });
  // a generous bound: the answer may queue behind thousands of frames on a loaded machine
  await c.waitFor((f) => f.op === 'presence' && probe in f.online, 1, ms);
}
