/**
 * Embedded bus: delivers in-process to the one gateway that owns it. It keeps no topic set: the
 * gateway's room index already knows which topics have local members and ignores the rest, so an
 * idle connection costs no extra entry here.
 */
import type { Bus, Envelope } from './bus.js';

export class MemoryBus implements Bus {
  private handler: (env: Envelope) => void = () => {};

  async publish(env: Envelope): Promise<void> {
    this.handler(env);
  }
  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  onMessage(fn: (env: Envelope) => void): void {
    this.handler = fn;
  }
  healthy(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}
