/**
 * Redis bus: one subscriber connection per gateway process, one channel per topic with a local
 * member (SSUBSCRIBE/SPUBLISH with `sharded`, for Redis Cluster). When the subscriber connection
 * comes back after a loss, ioredis re-subscribes and the gateway is told to backfill the gap.
 */
import type { Redis } from 'ioredis';
import { decodeEnvelope, encodeEnvelope } from '../envelope.js';
import { channelOf, topicOf } from '../redis/connect.js';
import type { Bus, Envelope } from './bus.js';

export class RedisBus implements Bus {
  private handler: (env: Envelope) => void = () => {};
  private readonly topics = new Set<string>();
  private wasReady = true;
  /** called after the subscriber reconnected and re-subscribed: messages may have been missed */
  onReconnect: (topics: string[]) => void = () => {};

  constructor(private readonly pub: Redis, private readonly sub: Redis, private readonly sharded: boolean) {
    const on = (channel: string, message: string) => this.receive(channel, message);
    sub.on(sharded ? 'smessage' : 'message', on);
    sub.on('close', () => { this.wasReady = false; });
    sub.on('ready', () => {
      if (this.wasReady) return;
      this.wasReady = true;
      // ioredis re-subscribes on ready (autoResubscribe); the gap is filled from the store
      setImmediate(() => this.onReconnect([...this.topics]));
    });
  }

  private receive(channel: string, message: string): void {
    const env = decodeEnvelope(topicOf(channel), message);
    if (!env) return;
    try {
      this.handler(env);
    } catch (err) {
      // one message that cannot be delivered must not take the node (and its other rooms) down
      console.error(`bfg serve: dropped a bus message on ${channel}: ${(err as Error).message}`);
    }
  }

  async publish(env: Envelope): Promise<void> {
    const payload = encodeEnvelope(env);
    if (this.sharded) await this.pub.spublish(channelOf(env.topic), payload);
    else await this.pub.publish(channelOf(env.topic), payload);
  }

  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
    if (this.sharded) await this.sub.ssubscribe(channelOf(topic));
    else await this.sub.subscribe(channelOf(topic));
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
    if (this.sharded) await this.sub.sunsubscribe(channelOf(topic));
    else await this.sub.unsubscribe(channelOf(topic));
  }

  onMessage(fn: (env: Envelope) => void): void {
    this.handler = fn;
  }

  healthy(): boolean {
    return this.sub.status === 'ready' && this.pub.status === 'ready';
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    this.pub.disconnect();
  }
}
