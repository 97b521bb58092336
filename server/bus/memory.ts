/** Embedded bus: delivers in-process to the one gateway that owns it. */
import type { Bus, Envelope } from './bus.js';

export class MemoryBus implements Bus {
  private readonly topics = new Set<string>();
  private handler: (env: Envelope) => void = () => {};

  async publish(env: Envelope): Promise<void> {
    if (this.topics.has(env.topic)) this.handler(env);
  }
  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
  }
  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
  }
  onMessage(fn: (env: Envelope) => void): void {
    this.handler = fn;
  }
  healthy(): boolean {
    return true;
  }
  async close(): Promise<void> {
    this.topics.clear();
  }
}
