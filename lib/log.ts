import pino from "pino";
import { getEnv } from "@/lib/env";

// JSON lines on stdout; secrets (signing key seeds, access tokens) must never be passed in.
export const logger = pino({
  level: getEnv().LOG_LEVEL,
  base: { service: "matrix-archive" },
  redact: { paths: ["seed", "*.seed", "accessToken", "*.accessToken", "headers.authorization"], remove: true },
});
