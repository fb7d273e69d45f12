import { isIP } from "node:net";
import { FederationError } from "@/lib/federation/errors";

/** A parsed Matrix server name (`hostname [":" port]`, hostname a DNS name, IPv4 or `[IPv6]`). */
export interface ServerName {
  /** DNS name or IP address, IPv6 without brackets. */
  host: string;
  port?: number;
  ipLiteral: boolean;
}

class ServerNameError extends FederationError<"M_BAD_SERVER_NAME"> {
  constructor(message: string) {
    super("M_BAD_SERVER_NAME", message);
  }
}

const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;

/** Parses a server name, or a delegated `m.server` value, which has the same grammar. */
export function parseServerName(name: string): ServerName {
  let host: string;
  let portText: string | undefined;
  if (name.startsWith("[")) {
    const end = name.indexOf("]");
    if (end < 0) throw new ServerNameError(`unterminated IPv6 literal in ${JSON.stringify(name)}`);
    host = name.slice(1, end);
    const rest = name.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) throw new ServerNameError(`junk after IPv6 literal in ${JSON.stringify(name)}`);
      portText = rest.slice(1);
    }
    if (isIP(host) !== 6) throw new ServerNameError(`${JSON.stringify(host)} is not an IPv6 address`);
  } else {
    const colon = name.lastIndexOf(":");
    host = colon >= 0 ? name.slice(0, colon) : name;
    portText = colon >= 0 ? name.slice(colon + 1) : undefined;
    if (!DNS_NAME.test(host)) throw new ServerNameError(`${JSON.stringify(name)} is not a valid server name`);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw new ServerNameError(`invalid port in ${JSON.stringify(name)}`);
    port = Number(portText);
    if (port < 1 || port > 65535) throw new ServerNameError(`port out of range in ${JSON.stringify(name)}`);
  }
  return { host, port, ipLiteral: isIP(host) !== 0 };
}

/** The Host header form of a host and optional port (IPv6 re-bracketed). */
export function hostHeader(host: string, port?: number): string {
  const h = isIP(host) === 6 ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** The server part of a Matrix ID (`@user:server`, `#alias:server`, `!room:server`, `$ev:server`). */
export function serverOfId(id: string): string | undefined {
  const colon = id.indexOf(":");
  return colon > 0 ? id.slice(colon + 1) : undefined;
}
