import { MatrixProtocolError } from "@/lib/matrix/errors";
import { JsonNumber, type JsonObject } from "@/lib/matrix/json-value";
import { isWellFormed } from "@/lib/matrix/parse-json";

/**
 * `strict`: APP § Canonical JSON exactly: integers in ±(2^53−1) only. Room versions 6+ and
 * everything outside events (X-Matrix, server keys) use it.
 * `compat`: room versions 1–5, whose events may carry larger integers and floats
 * (FR/v1-canonical-json). Big integers keep their exact digits; floats are written the way
 * Python's json module writes them, because Synapse (Python) computed the hashes and signatures
 * of nearly every such event in existence.
 */
export type CanonicalJsonMode = "strict" | "compat";

export function canonicalJson(value: unknown, mode: CanonicalJsonMode = "strict"): string {
  // JSON.stringify is native and several times faster than `encode`, and writes a tree exactly as
  // `encode` does when it meets nothing the two treat differently; anything else, including every
  // value `encode` rejects, goes to `encode`, so its output and errors stay the reference.
  if (writesAsIs(value)) {
    const text = JSON.stringify(value);
    // JSON.stringify writes a lone surrogate as a lower-case \udxxx escape, which canonical JSON
    // must refuse; checking its output once costs far less than checking every string before.
    // The text `\ud` written by a string itself (an escaped backslash) only sends it the long way.
    if (!text.includes("\\ud")) return text;
  }
  return encode(value, mode);
}

/** The member-by-member encoder alone, never the JSON.stringify shortcut: what the tests hold the shortcut to. */
export function canonicalJsonReference(value: unknown, mode: CanonicalJsonMode = "strict"): string {
  return encode(value, mode);
}

/** Every object member of `object`, as canonical JSON `"key":value` in canonical order: `canonicalJson(object)` is `{` + their join with `,` + `}`. */
export function canonicalMembers(object: JsonObject, mode: CanonicalJsonMode = "strict"): { key: string; text: string }[] {
  // The order of work (and so the first error thrown) is encodeObject's.
  checkPlain(object);
  const keys = Object.keys(object);
  if (!inCodePointOrder(keys)) keys.sort(compareCodePoints);
  const members: { key: string; text: string }[] = [];
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    members.push({ key, text: (PDU_KEYS.get(key) ?? encodeString(key)) + ":" + canonicalJson(item, mode) });
  }
  return members;
}

/** The encoded keys of a PDU's top level, written once (each encoding costs about as much as a short value's). */
const PDU_KEYS: ReadonlyMap<string, string> = new Map(
  [
    "auth_events",
    "content",
    "depth",
    "event_id",
    "hashes",
    "membership",
    "origin",
    "origin_server_ts",
    "prev_events",
    "prev_state",
    "redacts",
    "room_id",
    "sender",
    "signatures",
    "state_key",
    "type",
    "unsigned",
  ].map((key) => [key, encodeString(key)]),
);

function inCodePointOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (compareCodePoints(keys[i - 1]!, keys[i]!) >= 0) return false;
  return true;
}

/**
 * True when JSON.stringify writes `value` as canonical JSON in either mode: plain objects whose
 * keys are already in code point order (JSON.stringify keeps the order Object.keys gives), no
 * `undefined` (left out of objects by both, but `null` in arrays for JSON.stringify), any strings
 * and keys (JSON.stringify escapes exactly what the canonical grammar does, and lone surrogates,
 * which canonical JSON refuses, show in its output), and numbers only as safe integers (both write them as String(n), −0 as 0; big integers
 * and floats are written differently). Anything else says false, and the general encoder decides.
 */
function writesAsIs(value: unknown): boolean {
  switch (typeof value) {
    case "string":
      return true;
    case "number":
      return Number.isSafeInteger(value);
    case "boolean":
      return true;
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!writesAsIs(value[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (i > 0 && compareCodePoints(keys[i - 1]!, key) >= 0) return false;
        const item = record[key];
        if (item === undefined || !writesAsIs(item)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Orders strings by Unicode code point. JS `<` compares UTF-16 code units, which puts
 * astral characters (surrogate pairs, 0xD800–0xDFFF) before U+E000–U+FFFF; shifting the unit
 * values restores code point order without decoding.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

function encode(value: unknown, mode: CanonicalJsonMode): string {
  switch (typeof value) {
    case "string":
      return encodeString(value);
    case "number":
      return encodeNumber(value, mode);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return encodeArray(value, mode);
      if (value instanceof JsonNumber) return encodeJsonNumber(value, mode);
      return encodeObject(value as Record<string, unknown>, mode);
    default:
      throw new MatrixProtocolError("M_BAD_JSON", `${typeof value} is not a JSON value`);
  }
}

function encodeString(value: string): string {
  if (!isWellFormed(value)) throw new MatrixProtocolError("M_BAD_JSON", "string holds a lone surrogate");
  // JSON.stringify escapes exactly what the canonical grammar escapes (", \, U+0000–U+001F,
  // short forms for \b\t\n\f\r, lower-case \u00xx) once lone surrogates are ruled out.
  return JSON.stringify(value);
}

function encodeArray(values: unknown[], mode: CanonicalJsonMode): string {
  let out = "[";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    out += encode(values[i], mode);
  }
  return out + "]";
}

function checkPlain(value: object): void {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new MatrixProtocolError("M_BAD_JSON", "only plain objects can be encoded");
  }
}

function encodeObject(value: Record<string, unknown>, mode: CanonicalJsonMode): string {
  checkPlain(value);
  const keys = Object.keys(value).sort(compareCodePoints);
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = value[key];
    // Optional fields built in TypeScript arrive as `undefined`; like JSON.stringify, leave them out.
    if (item === undefined) continue;
    if (!first) out += ",";
    first = false;
    out += encodeString(key) + ":" + encode(item, mode);
  }
  return out + "}";
}

function encodeNumber(value: number, mode: CanonicalJsonMode): string {
  if (!Number.isFinite(value)) throw new MatrixProtocolError("M_BAD_JSON", "NaN and Infinity are not JSON");
  if (Number.isSafeInteger(value)) return value === 0 ? "0" : String(value);
  if (mode === "strict") throw new MatrixProtocolError("M_BAD_JSON", `${value} is not an integer in ±(2^53−1)`);
  return Number.isInteger(value) ? BigInt(value).toString() : pythonFloatRepr(value);
}

function encodeJsonNumber(value: JsonNumber, mode: CanonicalJsonMode): string {
  if (mode === "strict") {
    throw new MatrixProtocolError("M_BAD_JSON", `${value.text} is not an integer in ±(2^53−1)`);
  }
  // The parser only accepts grammar-valid literals, so integer digits are already minimal.
  if (value.isIntegerLiteral) return value.text;
  const n = Number(value.text);
  if (!Number.isFinite(n)) throw new MatrixProtocolError("M_BAD_JSON", `${value.text} overflows a double`);
  return pythonFloatRepr(n);
}

/**
 * Python's repr(float): shortest round-trip digits, scientific notation when the decimal
 * exponent is below −4 or at least 16, a ".0" on integral values, two-digit exponents.
 */
export function pythonFloatRepr(value: number): string {
  if (Object.is(value, -0)) return "-0.0";
  const sign = value < 0 ? "-" : "";
  const [mantissa = "", exponentText = "0"] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${digits[0]}${fraction}e${expSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fracPart = digits.slice(exponent + 1) || "0";
  return `${sign}${intPart}.${fracPart}`;
}
