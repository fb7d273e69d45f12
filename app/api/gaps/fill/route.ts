import { NextResponse } from "next/server";
import { z } from "zod";
import { fillGapFor } from "@/lib/archive/app-api";

const bodySchema = z.object({
  roomId: z.string().startsWith("!").max(255),
  gapId: z.string().regex(/^\d{1,19}$/),
});

// The "Load missing messages" button: fills one gap over federation, bounded in time, and
// answers how many events arrived. A federation failure is a 502 with a message, never a 500.
export async function POST(request: Request) {
  const parsed = bodySchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: "expected { roomId, gapId }" }, { status: 400 });
  const report = await fillGapFor(parsed.data.roomId, BigInt(parsed.data.gapId));
  if (!report) return NextResponse.json({ error: "no such room in the archive" }, { status: 404 });
  if (report.error && report.stored === 0)
    return NextResponse.json({ error: "the room's servers could not be reached", filled: 0, remaining: true }, { status: 502 });
  return NextResponse.json({ filled: report.stored, remaining: report.remaining }, { headers: { "cache-control": "no-store" } });
}
