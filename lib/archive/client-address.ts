import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { getEnv } from "@/lib/env";

// Who a reader is, for per-client limits (lib/archive/reader-limits.ts). Next.js hands route
// handlers and the proxy no socket, and the X-Forwarded-For it adds keeps whatever the client
// sent, so a client could name itself anew on each request. The TCP peer's address is therefore
// written into a header of our own as each request starts (Node's `http.server.request.start`
// diagnostics channel, published before the server's request handler runs), replacing any
// header of that name the client sent. Behind a reverse proxy every peer is the proxy: the
// operator names the header the proxy sets (TRUSTED_PROXY_CLIENT_HEADER) and it is used instead.

const PEER_HEADER = "x-archive-peer-address";

let recording = false;

/** Starts writing each request's peer address into PEER_HEADER (once per process, at start). */
export function recordPeerAddresses(): void {
  if (recording) return;
  recording = true;
  subscribe("http.server.request.start", (message) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    request.headers[PEER_HEADER] = socket.remoteAddress ?? "unknown";
  });
}

/**
 * The client's address: the last entry of the trusted proxy's header when one is configured
 * (a proxy appends the address it saw to what the client sent), else the TCP peer.
 */
export function clientAddress(headers: Headers, trusted = getEnv().TRUSTED_PROXY_CLIENT_HEADER): string {
  if (trusted) {
    const value = headers.get(trusted)?.split(",").at(-1)?.trim();
    if (value) return value;
  }
  return headers.get(PEER_HEADER) ?? "unknown";
}
