/**
 * A small GraphQL chat on the `graphql-ws` library (graphql-transport-ws), the way teams build one:
 * `send(room, stamp, body)` publishes, `messages(room)` subscribes (the publisher too). `drop` plants a
 * fault: the n-th event to a subscriber other than its publisher is not sent.
 */
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const schema = buildSchema(`
  type Message { room: String!, stamp: String!, body: String! }
  type Query { ok: Boolean }
  type Mutation { send(room: String!, stamp: String!, body: String!): Boolean }
  type Subscription { messages(room: String!): Message! }
`);

type Event = { messages: { room: string; stamp: string; body: string } };

/** one subscriber's queue, as an async iterator that ends when the client unsubscribes */
type Sub = { user: string; push: (e: Event) => void };
type Ctx = { user: string };

function subscriber(rooms: Map<string, Set<Sub>>, room: string, user: string): AsyncIterableIterator<Event> {
  const queue: Event[] = [];
  let wake: (() => void) | undefined, done = false;
  const push = { user, push: (e: Event) => { queue.push(e); wake?.(); } };
  (rooms.get(room) ?? rooms.set(room, new Set()).get(room)!).add(push);
  return {
    [Symbol.asyncIterator]() { return this; },
    async next() {
      while (!queue.length && !done) await new Promise<void>((r) => (wake = r));
      return done ? { done: true, value: undefined } : { done: false, value: queue.shift()! };
    },
    async return() {
      done = true;
      rooms.get(room)?.delete(push);
      wake?.();
      return { done: true, value: undefined };
    },
  };
}

export async function startGraphqlChat(o: { drop?: number } = {}) {
  const rooms = new Map<string, Set<Sub>>();
  let events = 0, others = 0, dropped = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  const server = useServer({
    schema,
    // a connection without a user is refused (graphql-ws closes it 4403 Forbidden)
    onConnect: (ctx) => typeof (ctx.connectionParams as { user?: unknown } | undefined)?.user === 'string',
    context: (ctx): Ctx => ({ user: String((ctx.connectionParams as { user: string }).user) }),
    roots: {
      mutation: {
        send: ({ room, stamp, body }: { room: string; stamp: string; body: string }, ctx: Ctx) => {
          for (const sub of rooms.get(room) ?? []) {
            events++;
            if (sub.user !== ctx.user && ++others === o.drop) { dropped++; continue; }
            sub.push({ messages: { room, stamp, body } });
          }
          return true;
        },
      },
      subscription: { messages: ({ room }: { room: string }, ctx: Ctx) => subscriber(rooms, room, ctx.user) },
    },
  }, wss);
  await new Promise((r) => wss.once('listening', r));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    stats: () => ({ events, dropped }),
    close: async () => { await server.dispose(); wss.close(); },
  };
}

// run as a process (bench:peers measures its CPU and RSS apart from the generator's)
if (process.argv[1]?.endsWith('graphql-chat.js')) {
  const chat = await startGraphqlChat();
  console.log(`graphql chat listening on ${chat.url}`);
}
