import { describe, expect, it } from "vitest";
import { createDiscoveryCache, type DiscoveryLookups, pickSrv, resolveServerName, type SrvRecord, wellKnownMaxAge } from "@/lib/federation/discovery";

function lookups(wellKnown: Record<string, string>, srv: Record<string, SrvRecord[]>, calls: string[] = []): DiscoveryLookups {
  return {
    async wellKnown(host) {
      calls.push(`wk:${host}`);
      const server = wellKnown[host];
      return server === undefined ? { ok: false, maxAgeMs: 3_600_000 } : { ok: true, server, maxAgeMs: 86_400_000 };
    },
    async srv(name) {
      calls.push(`srv:${name}`);
      return srv[name] ?? [];
    },
  };
}

const rec = (name: string, port: number, priority = 10, weight = 0): SrvRecord => ({ name, port, priority, weight });

describe("resolveServerName", () => {
  it("IP literal: that address, given port or 8448, no lookups", async () => {
    const calls: string[] = [];
    const r = await resolveServerName("1.2.3.4", lookups({}, {}, calls));
    expect(r.target).toEqual({ connectHost: "1.2.3.4", port: 8448, hostHeader: "1.2.3.4", tlsName: "1.2.3.4" });
    const v6 = await resolveServerName("[2001:db8::1]:8000", lookups({}, {}, calls));
    expect(v6.target).toEqual({ connectHost: "2001:db8::1", port: 8000, hostHeader: "[2001:db8::1]:8000", tlsName: "2001:db8::1" });
    expect(calls).toEqual([]);
  });

  it("hostname with explicit port: no well-known, no SRV", async () => {
    const calls: string[] = [];
    const r = await resolveServerName("localhost:18448", lookups({ localhost: "evil:1" }, {}, calls));
    expect(r.target).toEqual({ connectHost: "localhost", port: 18448, hostHeader: "localhost:18448", tlsName: "localhost" });
    expect(r.step).toBe("explicit-port");
    expect(calls).toEqual([]);
  });

  it("well-known to an IP, to host:port, to SRV, to a plain host", async () => {
    expect((await resolveServerName("a.org", lookups({ "a.org": "5.6.7.8" }, {}))).target).toEqual({
      connectHost: "5.6.7.8",
      port: 8448,
      hostHeader: "5.6.7.8",
      tlsName: "5.6.7.8",
    });
    expect((await resolveServerName("a.org", lookups({ "a.org": "m.a.org:443" }, {}))).target).toEqual({
      connectHost: "m.a.org",
      port: 443,
      hostHeader: "m.a.org:443",
      tlsName: "m.a.org",
    });
    const srv = await resolveServerName("a.org", lookups({ "a.org": "m.a.org" }, { "_matrix-fed._tcp.m.a.org": [rec("fed.host.net", 8449)] }));
    // Host and TLS name are the delegated name, not the SRV target.
    expect(srv.target).toEqual({ connectHost: "fed.host.net", port: 8449, hostHeader: "m.a.org", tlsName: "m.a.org" });
    const legacy = await resolveServerName("a.org", lookups({ "a.org": "m.a.org" }, { "_matrix._tcp.m.a.org": [rec("old.host.net", 8450)] }));
    expect(legacy.target.connectHost).toBe("old.host.net");
    expect(legacy.step).toBe("well-known-srv_matrix._tcp");
    expect((await resolveServerName("a.org", lookups({ "a.org": "m.a.org" }, {}))).target).toEqual({
      connectHost: "m.a.org",
      port: 8448,
      hostHeader: "m.a.org",
      tlsName: "m.a.org",
    });
  });

  it("prefers _matrix-fed over _matrix and uses SRV on the name without well-known", async () => {
    const r = await resolveServerName("b.org", lookups({}, { "_matrix-fed._tcp.b.org": [rec("new.b.net", 1)], "_matrix._tcp.b.org": [rec("old.b.net", 2)] }));
    expect(r.target).toEqual({ connectHost: "new.b.net", port: 1, hostHeader: "b.org", tlsName: "b.org" });
    const plain = await resolveServerName("c.org", lookups({}, {}));
    expect(plain.target).toEqual({ connectHost: "c.org", port: 8448, hostHeader: "c.org", tlsName: "c.org" });
    expect(plain.step).toBe("default-port");
  });

  it("ignores an invalid m.server and falls through to SRV", async () => {
    const r = await resolveServerName("d.org", lookups({ "d.org": "not a name!" }, { "_matrix-fed._tcp.d.org": [rec("x.net", 9)] }));
    expect(r.step).toBe("srv_matrix-fed._tcp");
  });

  it("rejects invalid server names", async () => {
    await expect(resolveServerName("bad name", lookups({}, {}))).rejects.toThrow(/valid server name/);
    await expect(resolveServerName("a.org:99999", lookups({}, {}))).rejects.toThrow(/port/);
  });
});

describe("pickSrv", () => {
  it("lowest priority, then highest weight; '.' means no service", () => {
    expect(pickSrv([rec("a", 1, 20), rec("b", 2, 10, 1), rec("c", 3, 10, 5)])?.name).toBe("c");
    expect(pickSrv([rec(".", 0)])).toBeUndefined();
  });
});

describe("wellKnownMaxAge", () => {
  it("defaults to 24 h and caps at 48 h", () => {
    expect(wellKnownMaxAge(undefined)).toBe(86_400_000);
    expect(wellKnownMaxAge("max-age=60")).toBe(60_000);
    expect(wellKnownMaxAge("public, max-age=999999")).toBe(172_800_000);
    expect(wellKnownMaxAge("no-store")).toBe(0);
  });
});

describe("createDiscoveryCache", () => {
  it("reuses an answer until it expires", async () => {
    let now = 0;
    const calls: string[] = [];
    const cache = createDiscoveryCache(lookups({ "a.org": "m.a.org" }, {}, calls), () => now);
    await cache.resolve("a.org");
    await cache.resolve("a.org");
    expect(calls.filter((c) => c.startsWith("wk:"))).toHaveLength(1);
    now = 86_400_001;
    await cache.resolve("a.org");
    expect(calls.filter((c) => c.startsWith("wk:"))).toHaveLength(2);
  });
});
