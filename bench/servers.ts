/**
 * The servers bench:peers sets beside bfg, one process each on this machine, started fresh for a
 * round: what the generator connects to, the protocol it speaks there, the `--set`s the scenario
 * needs, and the pid whose CPU and RSS are the server's.
 */
import { fileURLToPath } from 'node:url';
import { BFG } from '../test/helpers/cli.js';
import { startNats } from '../test/helpers/nats.js';
import { listening } from '../test/helpers/proc.js';
import { startRabbit } from '../test/helpers/rabbitmq.js';

/** one server under load: where, how, and the process to measure */
export interface Server { target: string; protocol: string; sets: string[]; pid: number; stop: () => void }

/** a server bench:peers knows: its name, what it is and does, and how to start it */
export interface ServerKind { name: string; about: string; start: () => Promise<Server> }

const peer = (file: string) => fileURLToPath(new URL(`../test/peers/${file}`, import.meta.url));

async function node(args: string[], protocol: string, sets: string[] = []): Promise<Server> {
  const n = await listening(args);
  return { target: n.url, protocol, sets, pid: n.proc.pid!, stop: () => n.proc.kill('SIGKILL') };
}

/** a RabbitMQ node for one round, shared by its STOMP and MQTT runs (each run's CPU is its own delta) */
let rabbit: Awaited<ReturnType<typeof startRabbit>> | undefined;
async function rabbitNode() {
  return (rabbit ??= await startRabbit());
}
/** stops the round's RabbitMQ node, if one was started */
export function stopRabbit(): void {
  rabbit?.stop();
  rabbit = undefined;
}

export const SERVERS: ServerKind[] = [
  { name: 'bfg', about: 'bfg serve, one node, in-process bus and memory store: numbers, stores and acks every message, recovers reconnects',
    start: () => node([BFG, 'serve', '--port', '0', '--auth', 'none'], 'bfg') },
  { name: 'socket.io', about: 'Socket.IO 4 chat app, one node, no adapter: relays and acks, stores nothing',
    start: () => node([peer('socketio-chat.js'), '--port', '0'], 'socketio') },
  { name: 'graphql-ws', about: 'a GraphQL chat on graphql-ws 6 (subscriptions; the mutation is the ack), stores nothing',
    start: () => node([peer('graphql-chat.js')], 'graphql-ws') },
  { name: 'aedes', about: 'aedes 1 MQTT broker over ws, QoS 1 (PUBACK is the ack), in memory',
    start: () => node([peer('mqtt-broker.js')], 'mqtt') },
  { name: 'nats-server', about: "Debian's nats-server 2.9 over WebSocket (a PUB acked by the PONG after it), no persistence",
    start: async () => { const n = await startNats(); return { target: n.url, protocol: 'nats', sets: [], pid: n.pid, stop: n.stop }; } },
  { name: 'rabbitmq-stomp', about: "Debian's RabbitMQ 3.10 Web-STOMP, /topic exchange, a RECEIPT per SEND is the ack",
    start: async () => { const r = await rabbitNode(); return { target: r.stomp, protocol: 'stomp', sets: [], pid: r.pid, stop: () => {} }; } },
  { name: 'rabbitmq-mqtt', about: "Debian's RabbitMQ 3.10 Web-MQTT, QoS 1 (PUBACK is the ack)",
    start: async () => {
      const r = await rabbitNode();
      return { target: r.mqtt, protocol: 'mqtt', sets: ['mqtt.path=/ws', 'mqtt.username=guest', 'mqtt.password=guest'], pid: r.pid, stop: () => {} };
    } },
];
