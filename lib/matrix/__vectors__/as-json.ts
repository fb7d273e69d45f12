import type { JsonObject } from "@/lib/matrix/json-value";

/** Vector files are JSON imports whose inferred literal types do not overlap JsonObject's index signature. */
export function asJson(value: unknown): JsonObject {
  return value as JsonObject;
}
