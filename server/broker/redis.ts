/**
 * Redis broker, store and Pub/Sub fused: one Lua script per publish INCRs the room's seq, appends to
 * its stream and PUBLISHes in the same step, so Pub/Sub order is seq order (server/store/redis.ts).
 * One subscriber connection per gateway process, one channel per topic with a local member
 * (SSUBSCRIBE with `sharded`, for Redis Cluster). When the subscriber comes back after a loss, ioredis
 * re-subscribes and the gateway is told (`reconnected`) to backfill the gap from the log.
 */
import type { Redis } from 'ioredis';
import { channelOf, topicOf } from '../redis/connect.js';
import type { RedisStore } from '../store/redis.js';
import { LogBroker, NO_EVENTS, decodeEnvelope, storeOrRefuse, type Appended, type Broker, type BrokerEvents, type Publish } from './broker.js';

export class RedisBroker extends LogBroker implements Broker {
  private events: BrokerEvents = NO_EVENTS;
  private readonly topics = new Set<string>();
  private wasReady = true;

  /** `store` publishes as it appends (built with a fused channel set); `cmd` is its connection, `sub` the subscriber */
  constructor(store: RedisStore, private readonly cmd: Redis, private readonly sub: Redis, private readonly sharded: boolean) {
    super(store);
    sub.on(sharded ? 'smessage' : 'message', (channel: string, message: string) => this.receive(channel, message));
    sub.on('close', () => { this.wasReady = false; });
    sub.on('ready', () => {
      if (this.wasReady) return;
      this.wasReady = true;
      // ioredis re-subscribes on ready (autoResubscribe); the gap is filled from the log
      setImmediate(() => this.events.reconnected([...this.topics]));
    });
  }

  private receive(channel: string, message: string): void {
    const env = decodeEnvelope(topicOf(channel), message);
    if (!env) return;
    try {
      this.events.publication(env);
    } catch (err) {
      // one message that cannot be delivered must not take the node (and its other rooms) down
      console.error(`bfg serve: dropped a bus message on ${channel}: ${(err as Error).message}`);
    }
  }

  async publish(p: Publish, stored: (a: Appended) => void): Promise<void> {
    stored(await storeOrRefuse(this.store, p)); // published by the same script that stored it
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

  on(events: BrokerEvents): void { this.events = events; }

  health(): { store: boolean; bus: boolean } {
    return { store: this.store.healthy(), bus: this.sub.status === 'ready' && this.cmd.status === 'ready' };
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    await this.store.close();
  }
}
