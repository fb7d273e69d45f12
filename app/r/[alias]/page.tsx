import { forbidden, notFound, redirect } from "next/navigation";
import { roomLandingFor } from "@/lib/archive/app-api";
import { aliasRefFromParam } from "@/lib/archive/room-paths";

export default async function RoomPage({ params }: { params: Promise<{ alias: string }> }) {
  const ref = aliasRefFromParam((await params).alias);
  const landing = ref ? await roomLandingFor(ref) : { status: "not_found" as const };
  if (landing.status === "forbidden") forbidden();
  if (landing.status !== "ok") notFound();
  redirect(landing.location);
}
