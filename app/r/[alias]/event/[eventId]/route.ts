import { permalinkResponse } from "@/lib/archive/permalink-route";
import { aliasRefFromParam } from "@/lib/archive/room-paths";

export async function GET(_request: Request, { params }: { params: Promise<{ alias: string; eventId: string }> }) {
  const { alias, eventId } = await params;
  return permalinkResponse(aliasRefFromParam(alias), eventId);
}
