// Requests Node's HTTP parser refuses before any handler sees them (a request line or
// headers over the 16 KB limit, a malformed request) get the same problem+json answer as
// every other refusal, instead of Node's bare status line with no body.
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** The status and title for a parser error code (HPE_*), or undefined when the connection just went away. */
export function clientErrorAnswer(code: string | undefined): { status: number; title: string; detail: string } | undefined {
  if (code === 'ECONNRESET') return undefined;
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, title: 'Request header fields too large', detail: 'the request line and headers exceed 16 KB' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_TIMEOUT') return { status: 408, title: 'Request timeout', detail: 'the request was not received in time' };
  return { status: 400, title: 'Bad request', detail: 'the request is not valid HTTP/1.1' };
}

export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    const answer = clientErrorAnswer(err.code);
    if (!answer || !socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({ type: 'about:blank', ...answer });
    socket.end(
      `HTTP/1.1 ${answer.status} ${answer.title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}

/**
 * How long our HTTP servers keep an idle keep-alive connection: longer than any proxy in
 * front of them keeps its idle connections to them (the launcher's gateway 60 s, an
 * ingress-nginx upstream 60 s by default, a cloud load balancer 60 s). Node's default is
 * 5 s: a proxy that reuses a connection in the instant the service closes it gets a reset,
 * and a POST through it fails (the proxy cannot send it again). The side that closes idle
 * connections must be the proxy.
 */
export const IDLE_CONNECTION_MS = 65_000;

export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
}
