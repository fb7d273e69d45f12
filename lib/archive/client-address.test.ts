import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { clientAddress, recordPeerAddresses } from "@/lib/archive/client-address";

// A client cannot choose the address its limits are counted under: the peer header is written
// from the socket over whatever the client sent, and a proxy's header counts only when trusted.

function headersOf(incoming: IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(incoming)) if (typeof v === "string") h.set(k, v);
  return h;
}

describe("clientAddress", () => {
  it("uses the TCP peer, replacing a peer header the client sent", async () => {
    recordPeerAddresses();
    const seen: Headers[] = [];
    const server = createServer((req, res) => {
      seen.push(headersOf(req.headers));
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const req = request({ port, host: "127.0.0.1", headers: { "x-archive-peer-address": "203.0.113.9", "x-forwarded-for": "198.51.100.1" } }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end();
    });
    server.close();
    expect(clientAddress(seen[0]!, undefined)).toBe("127.0.0.1");
    // X-Forwarded-For is the client's to write: ignored unless the operator trusts a proxy's header.
    expect(clientAddress(seen[0]!, "x-forwarded-for")).toBe("198.51.100.1");
  });

  it("takes the last entry of a trusted X-Forwarded-For, which the proxy appended", () => {
    const h = new Headers({ "x-forwarded-for": "10.9.9.9, 192.0.2.7", "x-archive-peer-address": "127.0.0.1" });
    expect(clientAddress(h, "x-forwarded-for")).toBe("192.0.2.7");
    expect(clientAddress(new Headers({ "x-archive-peer-address": "127.0.0.1" }), "x-real-ip")).toBe("127.0.0.1");
  });
});
