// Grammar of the identifiers PDUs carry (APP § Server Name, § Identifier Grammar). Only what the
// format checks need: sigil, server part, byte length.

/** IDs, `type` and `state_key` are limited to 255 bytes (CS § Size limits, APP § Event IDs). */
export const MAX_ID_BYTES = 255;

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;

/** Bytes of `text` in UTF-8 (a lone surrogate as U+FFFD's three), counted without encoding it: every PDU's size check runs this. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

// Every PDU names a few servers (sender, room, signers), nearly always the same few: remembering
// the answers spares the regular expressions. The check is a pure function of the name.
const knownServerNames = new Map<string, boolean>();
const KNOWN_SERVER_NAMES_LIMIT = 4096;

/** `hostname [":" port]` where hostname is IPv4, `[IPv6]` or a DNS name. */
export function isValidServerName(name: string): boolean {
  const known = knownServerNames.get(name);
  if (known !== undefined) return known;
  const valid = checkServerName(name);
  if (knownServerNames.size >= KNOWN_SERVER_NAMES_LIMIT) knownServerNames.clear();
  knownServerNames.set(name, valid);
  return valid;
}

function checkServerName(name: string): boolean {
  let host = name;
  const portMatch = /:(\d{1,5})$/.exec(name);
  if (portMatch && !(name.startsWith("[") && !name.includes("]:"))) {
    host = name.slice(0, portMatch.index);
    if (Number(portMatch[1]) > 65535) return false;
  }
  return IPV4.test(host) || IPV6_LITERAL.test(host) || DNS_NAME.test(host);
}

/** The server part of `@user:server`, `!room:server`, `$event:server` or `#alias:server`. */
export function serverNameOf(id: string): string | undefined {
  const colon = id.indexOf(":");
  if (colon < 1) return undefined;
  const server = id.slice(colon + 1);
  return isValidServerName(server) ? server : undefined;
}

/** A sigil-prefixed ID with a valid server part, at most 255 bytes. */
export function isValidQualifiedId(id: string, sigil: "@" | "!" | "$" | "#"): boolean {
  return id.startsWith(sigil) && utf8Length(id) <= MAX_ID_BYTES && serverNameOf(id) !== undefined;
}
