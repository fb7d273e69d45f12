import { readFileSync } from "node:fs";
import { getEnv } from "@/lib/env";
import { createAddressPolicy } from "@/lib/federation/address-guard";
import { getOwnServerName, getOwnSigningKey } from "@/lib/federation/keys/own-key";
import { logger } from "@/lib/log";

/**
 * Start-up work of the federation participant, for instrumentation.ts: create (or load) the
 * signing key, so the first /_matrix/key/v2/server request does not race to create it, and
 * check the federation settings now rather than on the first outbound request.
 */
export function ensureFederationReady(): void {
  const env = getEnv();
  createAddressPolicy(env.FEDERATION_ALLOW_PRIVATE_ADDRESSES);
  if (env.FEDERATION_CA_FILE) readFileSync(env.FEDERATION_CA_FILE, "utf8");
  const key = getOwnSigningKey();
  logger.info(
    { serverName: getOwnServerName(), keyId: key.keyId, allowPrivate: env.FEDERATION_ALLOW_PRIVATE_ADDRESSES, notaries: env.KEY_NOTARY_SERVERS },
    "federation ready",
  );
}
