import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { formatSigningKeyFile, generateSigningKey, parseSigningKeyFile, type SigningKey } from "@/lib/matrix/signing-key";

// The archive's own ed25519 key lives in a Synapse-format key file (`ed25519 <version> <seed>`),
// created on first start. Its key ID is derived from the public key, so a lost and recreated
// file can never reuse an ID that peers have already cached for another key.

/** Reads the key file, or creates it when absent. Safe when two processes start at once. */
function loadOrCreateSigningKey(file: string): SigningKey {
  try {
    return firstKey(readFileSync(file, "utf8"), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = generateSigningKey();
  try {
    // "wx": only one creator wins; the loser reads the winner's key below.
    writeFileSync(file, formatSigningKeyFile([key]), { flag: "wx", mode: 0o600 });
    logger.info({ keyId: key.keyId, file }, "created the archive's signing key");
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return firstKey(readFileSync(file, "utf8"), file);
  }
}

function firstKey(text: string, file: string): SigningKey {
  const key = parseSigningKeyFile(text)[0];
  if (!key) throw new Error(`no key in ${file}`);
  return key;
}

const globalForKey = globalThis as unknown as { archiveSigningKey?: SigningKey };

/** The archive's signing key for this process (from ARCHIVE_SIGNING_KEY_PATH or DATA_DIR). */
export function getOwnSigningKey(): SigningKey {
  globalForKey.archiveSigningKey ??= loadOrCreateSigningKey(getEnv().signingKeyPath);
  return globalForKey.archiveSigningKey;
}

export function getOwnServerName(): string {
  return getEnv().ARCHIVE_SERVER_NAME;
}
