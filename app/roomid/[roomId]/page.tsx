import { forbidden, notFound, redirect } from "next/navigation";
import { roomLandingFor } from "@/lib/archive/app-api";
import { roomIdRefFromParam } from "@/lib/archive/room-paths";

export default async function RoomPage({ params }: { params: Promise<{ roomId: string }> }) {
  const ref = roomIdRefFromParam((await params).roomId);
  const landing = ref ? await roomLandingFor(ref) : { status: "not_found" as const };
  if (landing.status === "forbidden") forbidden();
  if (landing.status !== "ok") notFound();
  redirect(landing.location);
}
