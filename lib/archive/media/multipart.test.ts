import { describe, expect, it } from "vitest";
import { boundaryOf, parseMultipart } from "@/lib/archive/media/multipart";

const CRLF = "\r\n";

describe("parseMultipart", () => {
  it("reads the metadata part and a binary part", () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const body = Buffer.concat([
      Buffer.from(`--abc${CRLF}Content-Type: application/json${CRLF}${CRLF}{}${CRLF}--abc${CRLF}Content-Type: image/png${CRLF}${CRLF}`),
      bytes,
      Buffer.from(`${CRLF}--abc--${CRLF}`),
    ]);
    const parts = parseMultipart(body, boundaryOf("multipart/mixed; boundary=abc")!);
    expect(parts).toHaveLength(2);
    expect(parts?.[0]?.body.toString()).toBe("{}");
    expect(parts?.[1]?.headers.get("content-type")).toBe("image/png");
    expect(parts?.[1]?.body.equals(bytes)).toBe(true);
  });

  it("reads a redirect part and refuses broken bodies", () => {
    const body = Buffer.from(
      `--b1${CRLF}Content-Type: application/json${CRLF}${CRLF}{}${CRLF}--b1${CRLF}Location: https://cdn.example/x${CRLF}${CRLF}${CRLF}--b1--`,
    );
    expect(parseMultipart(body, "b1")?.[1]?.headers.get("location")).toBe("https://cdn.example/x");
    expect(parseMultipart(Buffer.from("no parts here"), "b1")).toBeUndefined();
    expect(parseMultipart(Buffer.from(`--b1${CRLF}Content-Type: x${CRLF}${CRLF}unterminated`), "b1")).toBeUndefined();
    expect(boundaryOf('multipart/mixed; boundary="q u"')).toBe("q u");
  });
});
