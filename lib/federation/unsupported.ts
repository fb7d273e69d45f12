// Whether a response means "this server does not implement the endpoint" (MSC3743 and the
// legacy forms seen in the wild: old Synapse 400 M_UNRECOGNIZED, old Dendrite's plain-text
// "404 page not found", old Conduit's empty 404). A JSON 404 with another errcode, such as
// M_NOT_FOUND, is a real answer from an implementation and must not be taken for "unsupported".

export function isUnsupportedEndpoint(status: number, body: string): boolean {
  if (status !== 400 && status !== 404 && status !== 405) return false;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // Only a 404 that is not JSON counts: a non-JSON 400 is a broken request, not a missing route.
    return status === 404;
  }
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    return (json as Record<string, unknown>).errcode === "M_UNRECOGNIZED";
  }
  // Synapse answers an unknown event with 404 and the JSON string "": not an object, so not a
  // statement about the route. Any other non-object JSON body on a 404 is treated the same way.
  return false;
}

/** Per-server memory of endpoints found unsupported, re-checked after `ttlMs`. */
export function createSupportMemory(ttlMs = 60 * 60 * 1000, now: () => number = Date.now, maxEntries = 10_000) {
  const unsupported = new Map<string, number>();
  const key = (server: string, feature: string) => `${feature}\u0000${server}`;
  return {
    isKnownUnsupported(server: string, feature: string): boolean {
      const until = unsupported.get(key(server, feature));
      if (until === undefined) return false;
      if (until <= now()) {
        unsupported.delete(key(server, feature));
        return false;
      }
      return true;
    },
    markUnsupported(server: string, feature: string): void {
      if (unsupported.size >= maxEntries) unsupported.delete(unsupported.keys().next().value as string);
      unsupported.set(key(server, feature), now() + ttlMs);
    },
    markSupported(server: string, feature: string): void {
      unsupported.delete(key(server, feature));
    },
  };
}
