import { NextResponse } from "next/server";
import { z } from "zod";
import { fillGapFor } from "@/lib/archive/app-api";
import { jsonError } from "@/lib/archive/errors";
import { gapFillFormAnswer, gapFillFormSchema } from "@/lib/archive/gap-fill-form";

const bodySchema = z.object({
  roomId: z.string().startsWith("!").max(255),
  gapId: z.string().regex(/^\d{1,19}$/),
});

// The "Load missing messages" button: fills one gap over federation (a job shared by every
// reader of that gap), and answers how many events arrived, or `pending` when the fill is still
// running (the button asks again). A federation failure is a 502 with a message, never a 500.
//
// Without JavaScript the button is a plain form (application/x-www-form-urlencoded, with the
// day page to go back to): the answer is a 303 back to the day, or a small page saying why
// nothing arrived.
export async function POST(request: Request) {
  if ((request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) return formPost(request);
  const parsed = bodySchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) return jsonError("M_INVALID_PARAM", "expected { roomId, gapId }");
  const report = await fillGapFor(parsed.data.roomId, BigInt(parsed.data.gapId));
  if (!report) return jsonError("M_NOT_FOUND", "no such room in the archive");
  if (report.error && report.stored === 0)
    return jsonError("M_FEDERATION_UNAVAILABLE", "the room's servers could not be reached", { extra: { filled: 0, remaining: true } });
  return NextResponse.json({ filled: report.stored, remaining: report.remaining, pending: report.pending }, { headers: { "cache-control": "no-store" } });
}

async function formPost(request: Request) {
  const form = await request.formData().catch(() => null);
  const parsed = gapFillFormSchema.safeParse(form ? Object.fromEntries([...form].map(([k, v]) => [k, String(v)])) : null);
  if (!parsed.success) return jsonError("M_INVALID_PARAM", "expected roomId, gapId and back (a day page)");
  const answer = gapFillFormAnswer(await fillGapFor(parsed.data.roomId, BigInt(parsed.data.gapId)), parsed.data.back);
  if (answer.kind === "back") return new Response(null, { status: 303, headers: { location: answer.location, "cache-control": "no-store" } });
  return new Response(answer.html, { status: answer.status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}
