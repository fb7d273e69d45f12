import { NextResponse, type NextRequest } from "next/server";
import { datePickerLocation } from "@/lib/archive/room-landing";
import { roomIdRefFromParam, roomPathOfRef } from "@/lib/archive/room-paths";

// The date picker's form target, so choosing a day works with JavaScript off.
export async function GET(request: NextRequest, { params }: { params: Promise<{ roomId: string }> }) {
  const ref = roomIdRefFromParam((await params).roomId);
  const location = ref ? datePickerLocation(roomPathOfRef(ref), request.nextUrl.searchParams.get("d")) : undefined;
  if (!location) return NextResponse.json({ error: "expected ?d=YYYY-MM-DD" }, { status: 400 });
  return new NextResponse(null, { status: 303, headers: { location } });
}
