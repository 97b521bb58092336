/** The client side of the WebSocket opening handshake (RFC 6455 §4), on a plain net.Socket. */
import { createHash } from 'node:crypto';
import { randomPooled } from './codec.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The upgrade request and the Sec-WebSocket-Accept value the server must answer with. */
export function upgradeRequest(host: string, path: string, protocol?: string, headers?: Record<string, string>): { request: string; accept: string } {
  const key = randomPooled(16).toString('base64');
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  let extra = protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '';
  for (const [k, v] of Object.entries(headers ?? {})) {
    // a header name or value with CR/LF would smuggle lines into the request
    if (/[\r\n:]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${JSON.stringify(k)}: no CR, LF (or ':' in the name)`);
    extra += `${k}: ${v}\r\n`;
  }
  const request = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
  return { request, accept };
}

/**
 * Checks the server's response head; returns an error text, or undefined when it upgraded. When the
 * client asked for subprotocols (`wanted`, comma-separated), the server must pick one of them: a
 * server that picks none or another would speak something the adapter cannot read.
 */
export function checkResponse(head: string, accept: string, wanted?: string): string | undefined {
  const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
  if (status !== '101') return `handshake refused: HTTP ${status ?? '?'}`;
  const got = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
  if (got !== accept) return 'handshake: wrong Sec-WebSocket-Accept';
  if (!wanted) return undefined;
  const chose = /\r\nsec-websocket-protocol:[ \t]*([^\r\n]*)/i.exec(head)?.[1]?.trim();
  if (!chose) return `handshake: the server chose no subprotocol (asked for ${wanted})`;
  return wanted.split(',').some((p) => p.trim() === chose) ? undefined : `handshake: the server chose subprotocol ${chose.slice(0, 60)}, not ${wanted}`;
}
