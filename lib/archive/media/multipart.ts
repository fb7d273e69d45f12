// The federation media endpoints answer `multipart/mixed`: a JSON metadata part, then either the
// bytes with their own Content-Type or a part with a Location header to fetch them from
// (client-server/federation spec, "Content repository", v1.11).

export interface MultipartPart {
  headers: Map<string, string>;
  body: Buffer;
}

export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Splits a multipart body into parts; undefined when it is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === "--") return parts;
    // Skip the CRLF after the delimiter.
    if (body.subarray(pos, pos + 2).toString() !== "\r\n") return undefined;
    pos += 2;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) return undefined;
    const headers = new Map<string, string>();
    const headerText = body.subarray(pos, headerEnd).toString("latin1");
    for (const line of headerText.split("\r\n")) {
      if (!line) continue;
      const colon = line.indexOf(":");
      if (colon < 1) return undefined;
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) return undefined;
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
}
