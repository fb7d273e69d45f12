import { NextResponse } from "next/server";
import { z } from "zod";
import { fillGapFor } from "@/lib/archive/app-api";
import { jsonError } from "@/lib/archive/errors";

const bodySchema = z.object({
  roomId: z.string().startsWith("!").max(255),
  gapId: z.string().regex(/^\d{1,19}$/),
});

// The "Load missing messages" button: fills one gap over federation (a job shared by every
// reader of that gap), and answers how many events arrived, or `pending` when the fill is still
// running (the button asks again). A federation failure is a 502 with a message, never a 500.
export async function POST(request: Request) {
  const parsed = bodySchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) return jsonError("M_INVALID_PARAM", "expected { roomId, gapId }");
  const report = await fillGapFor(parsed.data.roomId, BigInt(parsed.data.gapId));
  if (!report) return jsonError("M_NOT_FOUND", "no such room in the archive");
  if (report.error && report.stored === 0)
    return jsonError("M_FEDERATION_UNAVAILABLE", "the room's servers could not be reached", { extra: { filled: 0, remaining: true } });
  return NextResponse.json({ filled: report.stored, remaining: report.remaining, pending: report.pending }, { headers: { "cache-control": "no-store" } });
}
