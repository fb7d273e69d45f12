import { readFileSync } from "node:fs";
import { createAddressPolicy } from "@/lib/federation/address-guard";
import { httpsRequest, type TransportOptions } from "@/lib/federation/transport";
import { parseSigningKeyFile, type SigningKey } from "@/lib/matrix/signing-key";
import { buildXMatrixAuthorization } from "@/lib/matrix/x-matrix";

// Sends federation GETs to a Synapse as the archive would: signed with the archive's own key
// (read from its data folder), through the archive's own transport (kept-alive connections, as
// the archive's requests had), the body read to its end. Used to time Synapse alone on the
// requests the archive made.

export interface Replayer {
  /** Wall time of one signed GET, in ms; throws on a non-200 answer. */
  get(uri: string): Promise<{ ms: number; bytes: number }>;
}

export function createReplayer(opts: { keyFile: string; origin: string; destination: string; caFile: string }): Replayer {
  const key: SigningKey | undefined = parseSigningKeyFile(readFileSync(opts.keyFile, "utf8"))[0];
  if (!key) throw new Error(`no signing key in ${opts.keyFile}`);
  const port = Number(opts.destination.slice(opts.destination.lastIndexOf(":") + 1));
  const host = opts.destination.slice(0, opts.destination.lastIndexOf(":"));
  const transport: TransportOptions = { policy: createAddressPolicy(["loopback"]), extraCa: readFileSync(opts.caFile, "utf8") };
  return {
    async get(uri) {
      const authorization = buildXMatrixAuthorization({ method: "GET", uri, origin: opts.origin, destination: opts.destination }, key);
      const started = performance.now();
      const res = await httpsRequest(
        // Synapse listens on 127.0.0.1 only; `localhost` would also try ::1 first on some hosts.
        { connectHost: "127.0.0.1", port, hostHeader: opts.destination, tlsName: host },
        {
          method: "GET",
          pathAndQuery: uri,
          headers: { Authorization: authorization, Accept: "application/json" },
          timeoutMs: 60_000,
          maxResponseBytes: 64 * 1024 * 1024,
        },
        transport,
      );
      const elapsed = performance.now() - started;
      if (res.status !== 200) throw new Error(`replayed GET ${uri.slice(0, 120)} → ${res.status}: ${res.body.slice(0, 200)}`);
      return { ms: elapsed, bytes: Buffer.byteLength(res.body) };
    },
  };
}
