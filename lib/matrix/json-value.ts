/**
 * JSON values as the protocol core sees them.
 *
 * `JsonNumber` holds a number literal that a JS number cannot carry exactly: an integer outside
 * ±(2^53−1), or a literal with a fraction or exponent. Room versions 1–5 allow such numbers in
 * events (`depth` up to 2^63−1, float power levels), and their hashes and signatures were computed
 * over the sender's exact digits, so the literal text is kept and re-emitted.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** True when the literal is written as an integer (no fraction, no exponent). */
  get isIntegerLiteral(): boolean {
    return !/[.eE]/.test(this.text);
  }

  /**
   * For logs and debugging only: JSON.stringify rounds the value to a double. Serialize PDUs
   * with `canonicalJson(value, "compat")`, which keeps the digits.
   */
  toJSON(): number {
    return Number(this.text);
  }
}

export type JsonValue = null | boolean | number | string | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/**
 * Sets a key as an own property even when it is `__proto__`, which plain assignment would turn
 * into a prototype change (JSON.parse does the same).
 */
export function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Deep copy, so callers can never change a PDU that was verified or stored. */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (value === null || typeof value !== "object" || value instanceof JsonNumber) return value;
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item !== undefined) setOwn(copy, key, cloneJson(item));
  }
  return copy as T;
}
