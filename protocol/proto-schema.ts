/**
 * The bfg.v1.proto schema, kept in code so the codec needs no file at run time (the Artillery
 * engine's CommonJS build and a packed dist/ carry it too); `npm run docs` writes it to
 * protocol/bfg.proto for clients that generate their code from it.
 */
export const PROTO_SCHEMA = `// The BFG wire protocol v1 as Protocol Buffers: subprotocol bfg.v1.proto, one Frame per binary
// WebSocket message. The same frames as bfg.v1.json and bfg.v1.msgpack (docs/architecture.md, "The
// wire protocol"): the op is the field of the oneof that is set. A body is text or bytes; meta
// is free-form, so it travels as its JSON text (bytes in it as base64, as on JSON sessions).
syntax = "proto3";
package bfg.v1;

message Frame {
  oneof op {
    Join join = 1;
    Leave leave = 2;
    Send send = 3;
    Dm dm = 4;
    PresenceQuery presence = 5;
    Typing typing = 6;
    Read read = 7;
    Hello hello = 16;
    Msg msg = 17;
    Ack ack = 18;
    Joined joined = 19;
    Left left = 20;
    PresenceReply presence_reply = 21;
    Error error = 22;
    Drain drain = 23;
  }
}

message Body {
  oneof kind {
    string text = 1;
    bytes data = 2;
  }
}

message Join { string room = 1; optional uint64 after = 2; optional string epoch = 3; }
message Leave { string room = 1; }
message Send { string room = 1; string id = 2; Body body = 3; optional string meta_json = 4; }
message Dm { string to = 1; string id = 2; Body body = 3; optional string meta_json = 4; }
message PresenceQuery { repeated string users = 1; }
// ephemeral events, both ways: a client sends room (and seq); the gateway adds the member and its receipt time
message Typing { string room = 1; optional string user = 2; optional uint64 ts = 3; }
message Read { string room = 1; uint64 seq = 2; optional string user = 3; optional uint64 ts = 4; }

message Hello { string node = 1; string user = 2; uint32 heartbeat_ms = 3; }
message Msg { string room = 1; uint64 seq = 2; string id = 3; string from = 4; uint64 ts = 5; Body body = 6; optional string meta_json = 7; }
message Ack { string id = 1; uint64 seq = 2; }
message Joined { string room = 1; uint64 head = 2; string epoch = 3; bool recovered = 4; optional string history = 5; optional uint64 last_read = 6; }
message Left { string room = 1; }
message PresenceReply { map<string, bool> online = 1; }
message Error { string code = 1; string message = 2; optional string ref = 3; }
message Drain { uint32 retry_after_ms = 1; }
`;
