/** Picks the adapter a scenario names (`protocol`, default `bfg`; a path names a plugin module). */
import type { Scenario } from '../scenario/scenario.js';
import type { Adapter, ProtocolSink } from './adapter.js';
import { BfgAdapter } from './bfg.js';
import { SocketIoAdapter } from './socketio.js';
import { TemplateAdapter } from './template.js';
import { pluginAdapter } from './plugin.js';
import { GraphqlWsAdapter } from './graphql-ws.js';
import { MqttAdapter } from './mqtt.js';
import { NatsAdapter } from './nats.js';
import { StompAdapter } from './stomp.js';

export { PLUGIN_API_VERSION, isPluginPath, loadPlugin, type ProtocolPlugin } from './plugin.js';

export type { Adapter, ProtocolSink, Stamp, Guarantees } from './adapter.js';

/** The adapters by name. */
export const PROTOCOLS = ['bfg', 'socketio', 'template', 'graphql-ws', 'mqtt', 'nats', 'stomp'] as const;

/** The adapter for a scenario, reporting to `sink`. */
export function adapterFor(s: Scenario, sink: ProtocolSink): Adapter {
  switch (s.protocol) {
    case 'socketio': return new SocketIoAdapter(sink, s.socketio);
    case 'template': return new TemplateAdapter(sink, s.template!);
    case 'graphql-ws': return new GraphqlWsAdapter(sink, s.graphql);
    case 'mqtt': return new MqttAdapter(sink, s.mqtt);
    case 'nats': return new NatsAdapter(sink, s.nats);
    case 'stomp': return new StompAdapter(sink, s.stomp);
    case 'bfg': return new BfgAdapter(sink, s.format);
    default: return pluginAdapter(s.protocol, sink, s.plugin_options ?? {});
  }
}
