import { MatrixProtocolError } from "@/lib/matrix/errors";

// Matrix writes base64 without `=` padding (APP § Unpadded Base64) but decoders should accept
// padding. Node's own decoder silently skips characters outside the alphabet, which would let
// a mangled signature decode to the wrong bytes, so every input is checked first.
const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64").replace(/=+$/, "");
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

export function decodeBase64(text: string): Uint8Array {
  return decodeChecked(text, STANDARD, "base64");
}

export function decodeBase64Url(text: string): Uint8Array {
  return decodeChecked(text, URL_SAFE, "base64url");
}

function decodeChecked(text: string, alphabet: RegExp, encoding: "base64" | "base64url"): Uint8Array {
  const body = stripPadding(text);
  // A length of 4n+1 cannot come from any byte string.
  if (!alphabet.test(body) || body.length % 4 === 1) {
    throw new MatrixProtocolError("M_BAD_BASE64", `not valid ${encoding}: ${JSON.stringify(text.slice(0, 64))}`);
  }
  return new Uint8Array(Buffer.from(body, encoding));
}

function stripPadding(text: string): string {
  // Matrix writes no padding: most inputs need no search for it.
  if (text.charCodeAt(text.length - 1) !== 0x3d) return text;
  const match = /=*$/.exec(text);
  const padding = match ? match[0].length : 0;
  if (padding === 0) return text;
  // Padding is only valid when it completes the last quantum exactly.
  if (padding > 2 || text.length % 4 !== 0) {
    throw new MatrixProtocolError("M_BAD_BASE64", `bad base64 padding: ${JSON.stringify(text.slice(0, 64))}`);
  }
  return text.slice(0, -padding);
}
