/** What each bench measures and against what: the text beside its table in docs/benchmarks.md. */
export const BENCHES: Record<string, string> = {
  gateway: 'The gateway beside a plain `ws` relay (`test/peers/ws-chat.ts`, with ws\'s README heartbeat) and a Socket.IO 4 app, '
    + 'all driven by the same generator and pinned apart from it with `taskset`: base RSS and RSS per idle connection (after a full GC); '
    + 'server CPU per delivery (the scheduler\'s ns count of the server\'s threads over a 5 s window, divided by the deliveries in it) '
    + 'in (a) one 1,000-member room and (b) 50 rooms of 20, alternating servers; (b) again with bfg and `ws` at the same moment, '
    + 'judged by the sign test\'s interval of the median ratio; (c) the saturation rate (p99 under 100 ms) on fresh processes. '
    + 'bfg stores, numbers and acks every message; the relay does none of that, so parity in (b) is the target, not a lead.',
  loadgen: 'Generator memory per idle socket from process start (the slope across 5,000, 10,000 and 15,000 sockets) for the bfg agent, '
    + 'a plain `ws` client, a bare `net.Socket` per connection and Artillery; then one agent\'s receive throughput (frames per CPU-second, '
    + 'ledger and histograms on) beside a `ws` client doing the same measurement work.',
  idle: 'An idle fleet through `bfg load --serve` on Redis: `BENCH_SOCKETS` sockets held after the ramp; fleet CPU (gateways, agents, Redis), '
    + 'the heartbeat floor per ping/pong round trip, gateway RSS drift over the hold, the cost of opening a socket, and as its baseline the '
    + 'heartbeat round trip on one `bfg serve` beside the plain `ws` relay with the same interval.',
  peers: 'room-fanout and reconnect-storm against a `bfg serve` pair (Redis bus and store) and a Socket.IO 4 pair (`@socket.io/redis-adapter`), '
    + 'same generator, alternating rounds. bfg stores, numbers and recovers; the Socket.IO app relays. Then room-fanout against one server '
    + 'process each: bfg, Socket.IO, a graphql-ws chat, aedes (MQTT), nats-server, RabbitMQ Web-STOMP and Web-MQTT — CPU per delivery and RSS '
    + 'per connection of that one process. None of the others stores chat history; aedes and RabbitMQ ack at QoS 1.',
  format: 'room-fanout against one `bfg serve` in JSON, MessagePack and Protocol Buffers, alternating rounds: bytes of a stamped `msg` frame, '
    + 'gateway CPU per delivery and generator CPU per received message, each binary format beside JSON.',
  bus: 'room-fanout through the memory, Redis, Kafka and RabbitMQ buses: latency at 100 msgs/s (median of 3 alternating runs after a warm-up run each) and the highest sustained offered rate.',
  archive: 'One `bfg archive` worker draining the queue a full-speed gateway node left into a single-node Cassandra, beside that node\'s ack rate, and the archive lag while the worker follows the node at full speed.',
  failover: 'A 3-node Redis fleet holding `BENCH_CLIENTS` clients; one node killed; time to recover and reconnect rate, with and without jitter.',
  truth: 'Reported against true latency: a gateway that holds every delivery a known delay, loaded at three rates.',
  receive: 'This build\'s agent receive throughput beside another revision\'s (`BENCH_BASE`), alternating rounds.',
  simulate: 'Wall time of both storm engines at their stated sizes, and how far their times to recover are apart (the storms are modeled).',
  overload: 'Graceful degradation: `scenarios/overload-typing.yaml` (one gateway node whose Redis bus runs on its CPU, flooded with typing at 300 times the message rate by clients that '
    + 'do not coalesce it) with shedding on (the default) beside the same run with `--no-shed`, alternating: message latency p99 against the scenario\'s SLO, messages lost, '
    + 'typing delivered and shed. Shedding gives up typing to keep messages on time: fewer typing events delivered is its price, not a regression.',
  store: 'Redis\'s own CPU per append of the Redis store with the default `--history-ttl-s` beside none, alternating rounds.',
};
