import { forbidden, notFound, redirect } from "next/navigation";
import { getRoomLanding } from "@/lib/archive/room-landing";
import { roomIdRefFromParam } from "@/lib/archive/room-paths";
import { getDb } from "@/lib/db";

export default async function RoomPage({ params }: { params: Promise<{ roomId: string }> }) {
  const ref = roomIdRefFromParam((await params).roomId);
  const landing = ref ? await getRoomLanding(getDb(), ref) : { status: "not_found" as const };
  if (landing.status === "forbidden") forbidden();
  if (landing.status !== "ok") notFound();
  redirect(landing.location);
}
