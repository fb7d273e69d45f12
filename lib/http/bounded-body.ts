// Reading a request body that may be hostile: a declared Content-Length over the limit is refused
// before a byte is read, and a streamed body is cancelled at the first chunk past it, so the
// excess is never buffered, whatever the client claims or however long it keeps sending.

/** The whole body, or null when it is longer than `maxBytes`. */
export async function readBoundedBody(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The body as UTF-8 text, or null when it is longer than `maxBytes`. */
export async function readBoundedText(request: Request, maxBytes: number): Promise<string | null> {
  const body = await readBoundedBody(request, maxBytes);
  return body === null ? null : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
}
