import { MatrixProtocolError } from "@/lib/matrix/errors";
import { JsonNumber, setOwn, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";

// Lossless JSON parser. JSON.parse cannot be used for federation bodies: it rounds integers above
// 2^53 (v1–v5 `depth`), forgets whether a number was written `1` or `1.0` (v6+ must reject
// floats), and accepts lone surrogate escapes that are not valid UTF-8.

const MAX_NESTING = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Parses JSON text or UTF-8 bytes. Throws MatrixProtocolError M_BAD_JSON. */
export function parseJson(input: string | Uint8Array): JsonValue {
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch {
      throw new MatrixProtocolError("M_BAD_JSON", "body is not valid UTF-8");
    }
  }
  const parser = new Parser(text);
  parser.skipWhitespace();
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail("unexpected data after the JSON value");
  return value;
}

/** Parses and requires a JSON object at the top level. */
export function parseJsonObject(input: string | Uint8Array): JsonObject {
  const value = parseJson(input);
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof JsonNumber) {
    throw new MatrixProtocolError("M_BAD_JSON", "expected a JSON object");
  }
  return value;
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new MatrixProtocolError("M_BAD_JSON", `${message} at offset ${this.pos}`);
  }

  skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_NESTING) this.fail("nesting too deep");
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.object(depth);
      case 0x5b: // [
        return this.array(depth);
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal("true", true);
      case 0x66: // f
        return this.literal("false", false);
      case 0x6e: // n
        return this.literal("null", null);
      default:
        return this.number();
    }
  }

  literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail("unexpected token");
    this.pos += word.length;
    return value;
  }

  number(): number | JsonNumber {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail("unexpected token");
    const literal = match[0];
    this.pos += literal.length;
    if (!/[.eE]/.test(literal)) {
      const n = Number(literal);
      // `-0` is the integer 0 (APP § Canonical JSON examples).
      if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
    }
    return new JsonNumber(literal);
  }

  string(): string {
    const text = this.text;
    this.pos++; // opening quote
    let out = "";
    for (;;) {
      PLAIN_RUN.lastIndex = this.pos;
      const run = PLAIN_RUN.exec(text);
      const chunk = run ? run[0] : "";
      out += chunk;
      this.pos += chunk.length;
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        break;
      }
      if (c !== 0x5c) this.fail(Number.isNaN(c) ? "unterminated string" : "control character in string");
      const escape = text[this.pos + 1];
      if (escape === "u") {
        out += this.unicodeEscape();
      } else {
        const decoded = escape === undefined ? undefined : ESCAPES[escape];
        if (decoded === undefined) this.fail("bad escape");
        out += decoded;
        this.pos += 2;
      }
    }
    if (!isWellFormed(out)) this.fail("lone surrogate in string");
    return out;
  }

  unicodeEscape(): string {
    const hex = this.text.slice(this.pos + 2, this.pos + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("bad \\u escape");
    this.pos += 6;
    return String.fromCharCode(parseInt(hex, 16));
  }

  array(depth: number): JsonValue[] {
    this.pos++;
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.value(depth + 1));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return items;
      if (c !== 0x2c) this.fail("expected , or ]");
    }
  }

  object(depth: number): JsonObject {
    this.pos++;
    const result: JsonObject = {};
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail("expected a string key");
      const key = this.string();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos++) !== 0x3a) this.fail("expected :");
      this.skipWhitespace();
      // Last duplicate wins, as in JSON.parse and Python's json module (what Synapse uses).
      setOwn(result, key, this.value(depth + 1));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return result;
      if (c !== 0x2c) this.fail("expected , or }");
    }
  }
}

type WellFormedString = string & { isWellFormed(): boolean };

/** False when the string holds a lone surrogate, which has no UTF-8 encoding. */
export function isWellFormed(value: string): boolean {
  return (value as WellFormedString).isWellFormed();
}
