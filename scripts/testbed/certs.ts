import path from "node:path";
import { runCommand } from "./command";

export interface Certificate {
  /** PEM certificate; self-signed, so it is also the CA file clients should trust. */
  certFile: string;
  keyFile: string;
}

/**
 * One self-signed certificate per run for every TLS listener (Synapse federation ports and the
 * TLS front): CN localhost with SANs localhost and 127.0.0.1, so clients that verify (the
 * archive, with FEDERATION_CA_FILE) accept it whether they dial the name or the address.
 */
export async function makeCertificate(dir: string): Promise<Certificate> {
  const certFile = path.join(dir, "tls.crt");
  const keyFile = path.join(dir, "tls.key");
  await runCommand(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "30",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      // CA:TRUE lets strict verifiers use it as its own trust anchor.
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { timeoutMs: 30_000 },
  );
  return { certFile, keyFile };
}
