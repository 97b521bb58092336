/**
 * Protocol plugins: an ES module that turns the generator's verbs into a protocol's frames, loaded by
 * path (`--protocol ./my-adapter.mjs`, or `protocol: ./my-adapter.mjs` in a scenario). The module
 * exports `apiVersion` (the seam it was written against), `name`, and `createAdapter(sink, options)`
 * returning an Adapter (adapter.ts). A module that cannot load, or speaks another version, is refused
 * at load with the reason: never a warning and a fallback to another protocol.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BfgError } from '../../protocol/index.js';
import type { Adapter, ProtocolSink } from './adapter.js';

/** The adapter seam's version: a plugin must export this `apiVersion`. */
export const PLUGIN_API_VERSION = 1;

/** What a plugin module exports. */
export interface ProtocolPlugin {
  apiVersion: number;
  name: string;
  createAdapter(sink: ProtocolSink, options: Readonly<Record<string, unknown>>): Adapter;
}

const loaded = new Map<string, ProtocolPlugin>();
const METHODS = ['dial', 'opened', 'join', 'publish', 'frame', 'closed'] as const;

/** true when a scenario's `protocol` names a module rather than a built-in adapter */
export const isPluginPath = (p: string): boolean => /^(\.{1,2}\/|\/|file:)/.test(p);

const urlOf = (spec: string) => (spec.startsWith('file:') ? spec : pathToFileURL(isAbsolute(spec) ? spec : resolve(spec)).href);

/** Imports and checks a plugin once per process; throws bad_plugin naming what is wrong. */
export async function loadPlugin(spec: string): Promise<ProtocolPlugin> {
  const have = loaded.get(spec);
  if (have) return have;
  let mod: Partial<ProtocolPlugin> & { default?: Partial<ProtocolPlugin> };
  try {
    mod = (await import(urlOf(spec))) as typeof mod;
  } catch (err) {
    throw new BfgError('bad_plugin', `${spec} did not load: ${(err as Error).message.split('\n')[0]}`);
  }
  const p = mod.createAdapter ? mod : (mod.default ?? {});
  if (p.apiVersion !== PLUGIN_API_VERSION) {
    throw new BfgError('bad_plugin', `${spec} exports apiVersion ${JSON.stringify(p.apiVersion)}; this build of bfg speaks ${PLUGIN_API_VERSION}`);
  }
  if (typeof p.createAdapter !== 'function') throw new BfgError('bad_plugin', `${spec} exports no createAdapter(sink, options) function`);
  if (typeof p.name !== 'string' || !p.name) throw new BfgError('bad_plugin', `${spec} exports no name`);
  const plugin = { apiVersion: p.apiVersion, name: p.name, createAdapter: p.createAdapter } as ProtocolPlugin;
  loaded.set(spec, plugin);
  return plugin;
}

/** The adapter of a plugin loaded before (loadPlugin); its shape is checked here, once per agent. */
export function pluginAdapter(spec: string, sink: ProtocolSink, options: Readonly<Record<string, unknown>>): Adapter {
  const p = loaded.get(spec);
  if (!p) throw new BfgError('bad_plugin', `${spec} was not loaded before the agent started (loadPlugin)`);
  const a = p.createAdapter(sink, options);
  const missing = METHODS.filter((m) => typeof (a as unknown as Record<string, unknown>)?.[m] !== 'function');
  if (missing.length) throw new BfgError('bad_plugin', `${spec}: the adapter from createAdapter lacks ${missing.join(', ')}`);
  if (!a.guarantees || typeof a.guarantees !== 'object') throw new BfgError('bad_plugin', `${spec}: the adapter declares no guarantees`);
  return a;
}
