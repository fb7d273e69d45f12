import parseRange from "range-parser";

// Which bytes of a media file a request asks for (RFC 9110 §14: Range, If-Range). One range is
// answered 206; several ranges (multipart/byteranges, which no player of inline media needs)
// and anything malformed are answered with the whole file, which the RFC allows.

export type RangeAnswer = { kind: "full" } | { kind: "partial"; start: number; end: number } | { kind: "unsatisfiable" };

/** Longer Range headers are ignored rather than parsed: a real one names one or two ranges. */
const MAX_RANGE_HEADER = 200;

export function rangeFor(range: string | null, size: number, ifRange: string | null, etag: string): RangeAnswer {
  if (range === null || range.length > MAX_RANGE_HEADER) return { kind: "full" };
  // A range of another version of the file would splice two files together.
  if (ifRange !== null && ifRange !== etag) return { kind: "full" };
  const parsed = parseRange(size, range, { combine: true });
  if (parsed === -2 || (Array.isArray(parsed) && parsed.type !== "bytes")) return { kind: "full" };
  if (parsed === -1) return { kind: "unsatisfiable" };
  if (parsed.length !== 1) return { kind: "full" };
  return { kind: "partial", start: parsed[0]!.start, end: parsed[0]!.end };
}
