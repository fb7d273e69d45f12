import { NextResponse } from "next/server";
import { z } from "zod";
import { fillGapFor } from "@/lib/archive/app-api";
import { readBoundedText } from "@/lib/http/bounded-body";
import { clientAddress } from "@/lib/archive/client-address";
import { jsonError, tooManyRequestsJson } from "@/lib/archive/errors";
import { gapFillFormAnswer, gapFillFormSchema } from "@/lib/archive/gap-fill-form";
import { admitReader, type Refusal } from "@/lib/archive/reader-limits";
import { tooManyRequestsPage } from "@/lib/archive/too-many-requests";

const bodySchema = z.object({
  roomId: z.string().startsWith("!").max(255),
  gapId: z.string().regex(/^\d{1,19}$/),
});

/** A room ID, a gap number and (for the form) a day page's path: anything longer is not a fill request. */
const MAX_BODY_BYTES = 4096;

// The "Load missing messages" button: fills one gap over federation (a job shared by every
// reader of that gap), and answers how many events arrived, or `pending` when the fill is still
// running (the button asks again). A federation failure is a 502 with a message, never a 500.
//
// Without JavaScript the button is a plain form (application/x-www-form-urlencoded, with the
// day page to go back to): the answer is a 303 back to the day, or a small page saying why
// nothing arrived.
//
// Each client may ask for GAP_FILLS_PER_CLIENT_PER_MINUTE fills, and the process runs at most
// READER_FEDERATION_CONCURRENCY readers' fills at once (docs/limits.md): past either, 429 (JSON,
// or a page for the form) with Retry-After, and no server is asked.
export async function POST(request: Request) {
  const isForm = (request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
  const text = await readBoundedText(request, MAX_BODY_BYTES).catch(() => null);
  return isForm ? formPost(request, text) : jsonPost(request, text);
}

async function jsonPost(request: Request, text: string | null) {
  const parsed = bodySchema.safeParse(text === null ? null : parseJson(text));
  if (!parsed.success) return jsonError("M_INVALID_PARAM", "expected { roomId, gapId }");
  const admitted = await admitReader("gap-fill", clientAddress(request.headers));
  if (!("release" in admitted)) {
    return tooManyRequestsJson(`${refusalText(admitted)}; try again later`, admitted.retryAfterSeconds);
  }
  try {
    const report = await fillGapFor(parsed.data.roomId, BigInt(parsed.data.gapId));
    if (!report) return jsonError("M_NOT_FOUND", "no such room in the archive");
    if (report.error && report.stored === 0)
      return jsonError("M_FEDERATION_UNAVAILABLE", "the room's servers could not be reached", { extra: { filled: 0, remaining: true } });
    return NextResponse.json({ filled: report.stored, remaining: report.remaining, pending: report.pending }, { headers: { "cache-control": "no-store" } });
  } finally {
    admitted.release();
  }
}

async function formPost(request: Request, text: string | null) {
  const form = text === null ? null : new URLSearchParams(text);
  const parsed = gapFillFormSchema.safeParse(form ? Object.fromEntries(form) : null);
  if (!parsed.success) return jsonError("M_INVALID_PARAM", "expected roomId, gapId and back (a day page)");
  const admitted = await admitReader("gap-fill", clientAddress(request.headers));
  if (!("release" in admitted)) return tooManyRequestsPage(admitted, "missing messages", parsed.data.back);
  try {
    const answer = gapFillFormAnswer(await fillGapFor(parsed.data.roomId, BigInt(parsed.data.gapId)), parsed.data.back);
    if (answer.kind === "back") return new Response(null, { status: 303, headers: { location: answer.location, "cache-control": "no-store" } });
    return new Response(answer.html, { status: answer.status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
  } finally {
    admitted.release();
  }
}

function refusalText(refusal: Refusal): string {
  return refusal.reason === "client" ? "too many fills asked for from this address" : "the archive is filling as much as it may at once";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
