/** The scenario schema (JSON Schema, checked with ajv): every field, its type, range and default. */
import { POLICIES } from '../../common/backoff.js';
export const METRICS = [
  'p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'max_ms', 'first_p99_ms', 'last_p99_ms',
  'expected', 'delivered', 'lost', 'duplicated', 'reordered', 'backfilled', 'delivered_pct',
  'sent', 'acked', 'send_errors', 'connects', 'connect_errors', 'connect_errors_pct', 'reconnects',
  'slow_closed', 'recovered_sessions', 'unrecovered_sessions', 'time_to_recover_s', 'time_to_recover_ms', 'send_lag_p99_ms', 'intended_p99_ms', 'peak_connections', 'http_p99_ms', 'http_non2xx', 'http_errors',
  'history_p99_ms', 'history_hot_p99_ms', 'history_cold_p99_ms', 'history_gaps', 'history_errors',
  'handshake_p99_ms', 'handshake_failed',
  'typing_p99_ms', 'read_p99_ms', 'shed_notices',
] as const;

const num = (min: number, dflt: number, description: string, max?: number) =>
  ({ type: 'number', minimum: min, ...(max !== undefined ? { maximum: max } : {}), default: dflt, description });

export const scenarioSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'scenario name, used in results and reports' },
    description: { type: 'string', default: '' },
    target: { type: 'string', pattern: '^wss?://', description: 'gateway URL; --serve or --target override it' },
    serve: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        args: { type: 'array', items: { type: 'string' }, default: [], description: 'extra `bfg serve` flags when the run starts its own gateway' },
        nodes: { type: 'integer', minimum: 1, maximum: 64, default: 1, description: 'gateway nodes --serve starts (more than 1 needs --redis)' },
        front: { enum: ['none', 'haproxy'], default: 'none', description: 'haproxy: the nodes behind one HAProxy TCP front (leastconn, /health checks, PROXY v2; scripts/haproxy.sh), which the generator connects to' },
      },
    },
    users: { type: 'integer', minimum: 1, maximum: 10_000_000, description: 'virtual users, one socket each (with stages: the pool, at least the largest stage; default that)' },
    stages: {
      type: 'array', minItems: 1, maxItems: 1000,
      description: 'a load shape: each stage ramps the connected users (and the message rate per room, where given) linearly to its targets over duration_s; sockets close on a ramp down. Replaces arrival_rate and duration_s',
      items: {
        type: 'object', additionalProperties: false, required: ['duration_s'],
        properties: {
          duration_s: { type: 'number', exclusiveMinimum: 0 },
          users: { type: 'integer', minimum: 0, maximum: 10_000_000, description: 'connected users at the stage\'s end (default: the previous stage\'s)' },
          rate_per_room: { type: 'number', minimum: 0, description: 'messages per second per room at the stage\'s end (default: the previous stage\'s, first messages.rate_per_room)' },
        },
      },
    },
    agents: { type: 'integer', minimum: 0, default: 0, description: 'local agent processes; 0 = as many as the fd limit needs' },
    arrival_rate: num(0.001, 1000, 'new connections per second (open model)'),
    duration_s: num(0.1, 10, 'seconds from the first connection to the end of traffic'),
    send_after_s: { type: 'number', minimum: 0, description: 'when traffic starts; default: when the last user has arrived' },
    drain_s: num(0, 2, 'seconds to wait for in-flight messages before the ledger closes'),
    warmup_s: num(0, 0, 'seconds of traffic (from send_after_s) whose messages are left out of the latency figures; the ledger still counts them'),
    format: { enum: ['json', 'msgpack', 'proto'], default: 'json', description: 'with protocol bfg: the subprotocol bfg.v1.json (text), bfg.v1.msgpack or bfg.v1.proto (binary: Protocol Buffers, protocol/bfg.proto)' },
    protocol: {
      anyOf: [{ enum: ['bfg', 'socketio', 'template', 'graphql-ws', 'mqtt', 'nats', 'stomp'] }, { type: 'string', pattern: '^(\\.{1,2}/|/|file:).*\\.m?js$' }], default: 'bfg',
      description: 'the gateway\'s protocol (see loadgen/protocols/): bfg, socketio (Socket.IO v4 over the WebSocket transport), template (any JSON-over-WebSocket server), graphql-ws (GraphQL subscriptions over graphql-transport-ws), mqtt (MQTT 3.1.1 or 5 over WebSocket), nats (NATS over WebSocket), stomp (STOMP 1.2 over WebSocket), or the path of a plugin module (./my-adapter.mjs, from the current directory)',
    },
    plugin_options: { type: 'object', default: {}, description: 'with a plugin protocol: the options its createAdapter receives' },
    stomp: {
      type: 'object', additionalProperties: false, default: {},
      description: 'with protocol stomp: STOMP 1.2 over WebSocket; a room is /topic/<room>',
      properties: {
        path: { type: 'string', default: '/ws', description: 'the WebSocket path (subprotocol v12.stomp)' },
        vhost: { type: 'string', default: '/', description: 'the CONNECT host header (RabbitMQ: the virtual host)' },
        login: { type: 'string', default: 'guest' }, passcode: { type: 'string', default: 'guest' },
        heart_beat_ms: { type: 'integer', minimum: 0, default: 10_000, description: 'client heart-beats every this many ms (0: none), from the agent\'s one sweep' },
        echo: { type: 'boolean', default: true, description: 'the broker sends a subscribed publisher its own message (never counted as a delivery)' },
      },
    },
    nats: {
      type: 'object', additionalProperties: false, default: {},
      description: 'with protocol nats: NATS over WebSocket; a room is the subject <subject_prefix><room>',
      properties: {
        path: { type: 'string', default: '/', description: 'the WebSocket path of nats-server\'s websocket listener' },
        subject_prefix: { type: 'string', pattern: '^[^\\s*>]*$', default: 'rooms.', description: 'subject of a room: this prefix and the room name' },
        echo: { type: 'boolean', default: true, description: 'CONNECT echo: the server sends a publisher its own message (never counted as a delivery)' },
      },
    },
    mqtt: {
      type: 'object', additionalProperties: false, default: {},
      description: 'with protocol mqtt: MQTT 3.1.1 or 5 over WebSocket; a room is the topic <topic_prefix><room>',
      properties: {
        version: { enum: [4, 5], default: 4, description: '4: MQTT 3.1.1; 5: MQTT 5, whose subscriptions ask No Local, so the broker sends a publisher no echo' },
        path: { type: 'string', default: '/mqtt', description: 'the WebSocket path (subprotocol mqtt)' },
        topic_prefix: { type: 'string', default: 'rooms/', description: 'topic of a room: this prefix and the room name' },
        qos: { enum: [0, 1], default: 1, description: 'QoS of publishes and subscriptions (1: PUBACK is the ack, and deliveries owe one)' },
        keepalive_s: { type: 'integer', minimum: 1, maximum: 65535, default: 30, description: 'CONNECT keepalive; PINGREQ goes out every half of it' },
        username: { type: 'string', description: 'CONNECT username (default: the user id)' },
        password: { type: 'string', description: 'CONNECT password (default: none)' },
        echo: { type: 'boolean', default: true, description: 'the broker sends a publisher its own message (MQTT 3.1.1 does): never counted as a delivery; ignored with version 5 (No Local)' },
      },
    },
    graphql: {
      type: 'object', additionalProperties: false, default: {},
      description: 'with protocol graphql-ws: the subscription and mutation of the chat schema, and where a message keeps its room and stamp',
      properties: {
        path: { type: 'string', default: '/graphql', description: 'the WebSocket path (subprotocol graphql-transport-ws)' },
        init: { type: 'object', default: {}, description: 'the connection_init payload (the user id is added as user)' },
        subscription: { type: 'string', default: 'subscription ($room: String!) { messages(room: $room) { room stamp body } }', description: 'the subscription for a room ($room)' },
        publish: { type: 'string', default: 'mutation ($room: String!, $stamp: String!, $body: String!) { send(room: $room, stamp: $stamp, body: $body) }', description: 'the mutation that publishes ($room, $stamp as a JSON string, $body), run over the same socket' },
        paths: {
          type: 'object', additionalProperties: false, default: {},
          properties: { room: { type: 'string', minLength: 1, default: 'messages.room' }, stamp: { type: 'string', minLength: 1, default: 'messages.stamp' } },
        },
        echo: { type: 'boolean', default: true, description: 'the server sends a publisher its own message (a subscription usually does): never counted as a delivery' },
      },
    },
    socketio: {
      type: 'object', additionalProperties: false, default: {},
      description: 'with protocol socketio: how the app names its events and where its payload keeps room, stamp and body',
      properties: {
        path: { type: 'string', default: '/socket.io/', description: 'Engine.IO path' },
        namespace: { type: 'string', pattern: '^/', default: '/' },
        events: {
          type: 'object', additionalProperties: false, default: {},
          properties: {
            join: { type: 'string', minLength: 1, default: 'join', description: 'event the client emits with the room name' },
            publish: { type: 'string', minLength: 1, default: 'message', description: 'event the client emits with {room, stamp, body}' },
            receive: { type: 'string', minLength: 1, default: 'message', description: 'event the server relays to the room' },
          },
        },
        paths: {
          type: 'object', additionalProperties: false, default: {},
          properties: {
            room: { type: 'string', minLength: 1, default: 'room' }, stamp: { type: 'string', minLength: 1, default: 'stamp' }, body: { type: 'string', minLength: 1, default: 'body' },
          },
        },
        auth: { type: 'object', default: {}, description: 'extra fields of the connect packet\'s auth object (the user id is sent as auth.user)' },
        recovery: { type: 'boolean', default: false, description: 'the server runs connectionStateRecovery: reconnects resume the session, and what was sent meanwhile is expected' },
        echo: { type: 'boolean', default: false, description: 'the server relays a message to its sender too (io.to instead of socket.to)' },
      },
    },
    template: {
      type: 'object', additionalProperties: false, required: ['publish', 'match'],
      description: 'with protocol template: the frames of any JSON-over-WebSocket server, with {{user}} {{room}} {{id}} {{stamp}} {{body}} placeholders',
      properties: {
        path: { type: 'string', default: '/?user={{user}}', description: 'path and query the socket connects to (on the target\'s host)' },
        subprotocol: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
        join: { type: 'string', description: 'frame that joins {{room}} (none: the server has no rooms)' },
        publish: { type: 'string', description: 'frame that publishes; must carry {{stamp}}' },
        match: {
          type: 'object', additionalProperties: false, required: ['stamp'],
          properties: { room: { type: 'string', description: 'path of the room in a received frame' }, stamp: { type: 'string', description: 'path of the stamp in a received frame' } },
        },
        joined: {
          type: 'object', additionalProperties: false, required: ['path', 'equals'],
          properties: { path: { type: 'string' }, equals: { type: ['string', 'number', 'boolean'] } },
          description: 'a frame that confirms a join',
        },
        ping: {
          type: 'object', additionalProperties: false, required: ['path', 'equals', 'reply'],
          properties: { path: { type: 'string' }, equals: { type: ['string', 'number', 'boolean'] }, reply: { type: 'string' } },
          description: 'an application heartbeat and its answer',
        },
        open: { type: 'array', items: { type: 'string' }, maxItems: 16, description: 'frames sent when the socket opens, in order (a handshake: {{user}} allowed)' },
        ready: {
          type: 'object', additionalProperties: false, required: ['path', 'equals'],
          properties: { path: { type: 'string' }, equals: { type: ['string', 'number', 'boolean'] } },
          description: 'the server frame that ends the handshake; joins wait for it (without it, the session is ready on open)',
        },
        heartbeat: {
          type: 'object', additionalProperties: false, required: ['every_ms', 'frame'],
          properties: { every_ms: { type: 'integer', minimum: 100 }, frame: { type: 'string', minLength: 1 } },
          description: 'a client heartbeat: this frame (no placeholders) to every ready socket every every_ms, from the agent\'s one sweep',
        },
        echo: { type: 'boolean', default: false, description: 'the server sends a publisher its own message too' },
      },
    },
    process: { enum: ['uniform', 'poisson'], default: 'uniform', description: 'arrivals and sends: evenly spaced, or a Poisson process with the same mean rate' },
    timeline_ms: { type: 'integer', minimum: 10, maximum: 60_000, default: 100, description: 'timeline bucket length' },
    connect_timeout_ms: { type: 'integer', minimum: 100, maximum: 600_000, default: 10_000, description: 'a connection whose WebSocket handshake is not answered within this is given up: a connect error (connect_timeout; connect_pending_at_end for one still waiting when traffic ends); a protocol handshake not ready this long after the open counts in handshake_failed' },
    max_message_bytes: { type: 'integer', minimum: 125, maximum: 2 ** 31, default: 16 * 2 ** 20, description: 'largest message the client reassembles; past it the socket closes with 1009' },
    addresses: { type: 'array', items: { type: 'string' }, description: 'local source addresses; default 127.0.0.2..127.0.0.51 for loopback targets' },
    rooms: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        size: { type: 'integer', minimum: 1, default: 10, description: 'members per room (g), when no distribution is given' },
        sizes: {
          type: 'array', minItems: 1, items: { type: 'object', additionalProperties: false, required: ['size', 'share'], properties: { size: { type: 'integer', minimum: 1 }, share: { type: 'number', exclusiveMinimum: 0 } } },
          description: 'room sizes as a table: each size with its share of rooms',
        },
        zipf: {
          type: 'object', additionalProperties: false, required: ['min', 'max', 's'],
          properties: { min: { type: 'integer', minimum: 1 }, max: { type: 'integer', minimum: 1 }, s: { type: 'number', minimum: 0 } },
          description: 'room sizes from Zipf between min and max: P(size = k) ∝ k^−s',
        },
        per_user: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'rooms each user is in' },
      },
    },
    messages: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        rate_per_room: num(0, 1, 'messages per second per room (r), sent on schedule'),
        body_bytes: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 64 },
      },
    },
    classes: {
      type: 'array', minItems: 1, maxItems: 255,
      items: {
        type: 'object', additionalProperties: false, required: ['name', 'share', 'msgs_per_min'],
        properties: {
          name: { type: 'string', minLength: 1 }, share: { type: 'number', exclusiveMinimum: 0 }, msgs_per_min: { type: 'number', minimum: 0 },
          typing_per_min: { type: 'number', minimum: 0, description: 'typing events per minute per user (BFG protocol): ephemeral, fanned out to the room, never stored' },
          read_receipts: {
            type: 'object', additionalProperties: false, default: undefined,
            properties: { delay_ms: { type: 'number', minimum: 0, default: 1500 } },
            description: 'read receipts (BFG protocol): after a delivery, the user marks the room read up to its newest seq delay_ms later (one receipt per room per delay)',
          },
        },
      },
      description: 'user classes: each a share of the users, each user sending msgs_per_min into one of its rooms (e.g. 10% active at 1/min, 90% lurkers at 0); replaces messages.rate_per_room',
    },
    dm: {
      type: 'object', additionalProperties: false, default: {},
      properties: { rate_per_user: num(0, 0, 'DMs per second per user, each to a random other user') },
    },
    offline: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        pct: num(0, 0, 'percent of users that go offline and come back with join after=', 100),
        at_s: num(0, 3, 'when they go offline'),
        for_s: num(0, 2, 'how long they stay offline'),
      },
    },
    storm: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        drop_pct: num(0, 0, 'percent of sockets dropped at at_s', 100),
        at_s: num(0, 5, 'when the drop happens'),
        method: { enum: ['client-drop', 'server-close', 'kill-node', 'drain-node'], default: 'client-drop', description: 'client-drop: the TCP connection is cut (as a network failure); server-close: the gateway closes them (needs --serve, which enables its admin route); kill-node: the first gateway node is killed (SIGKILL) at at_s (needs --serve with serve.nodes > 1), drop_pct is then what that node held; drain-node: the same node is sent SIGTERM instead and drains (drain frames with jittered retryAfterMs, close 1001, exit)' },
      },
    },
    reconnect: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        policy: { enum: [...POLICIES], default: 'full-jitter', description: 'none: retry at once; never: do not reconnect; see common/backoff.ts' },
        base_ms: num(1, 100, 'first backoff'),
        cap_ms: num(1, 5000, 'largest backoff'),
      },
    },
    slow: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        pct: num(0, 0, 'percent of users that stop reading for pause_ms', 100),
        at_s: num(0, 2, 'when they stop reading'),
        pause_ms: num(0, 3000, 'how long they do not read'),
      },
    },
    http: {
      type: 'object', additionalProperties: false, required: ['at_s'],
      description: 'an autocannon phase on the history endpoint, alongside the socket traffic',
      properties: {
        at_s: { type: 'number', minimum: 0 },
        duration_s: { type: 'number', minimum: 0.1, default: 2 },
        connections: { type: 'integer', minimum: 1, maximum: 10_000, default: 10 },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      },
    },
    history: {
      type: 'object', additionalProperties: false, required: ['at_s'],
      description: 'users scrolling back through rooms of the run (GET …/messages?before=): each scroll reads pages backwards from the head, checked contiguous; latency split by tier (hot window, cold tier)',
      properties: {
        at_s: { type: 'number', minimum: 0, description: 'when the first scroll starts' },
        scrolls: { type: 'integer', minimum: 1, maximum: 100_000, default: 20, description: 'scroll-backs in all' },
        rate_per_s: { type: 'number', minimum: 0.1, maximum: 10_000, default: 10, description: 'scroll-backs started per second' },
        pages: { type: 'integer', minimum: 1, maximum: 1000, default: 5, description: 'pages each scroll reads (fewer when it reaches seq 1)' },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'messages per page' },
      },
    },
    thresholds: {
      type: 'array', default: [],
      items: {
        anyOf: [
          { type: 'string', pattern: `^\\s*(${METRICS.join('|')})\\s*(<=|>=|==|!=|<|>)\\s*-?[0-9.]+\\s*$` },
          {
            type: 'object', additionalProperties: false, required: ['expr'],
            properties: { expr: { type: 'string' }, abort: { type: 'boolean', default: false } },
          },
        ],
      },
      description: 'checks like "p99_ms < 50"; metrics: ' + METRICS.join(', '),
    },
  },
} as const;
