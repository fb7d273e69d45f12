import { permalinkResponse } from "@/lib/archive/permalink-route";
import { roomIdRefFromParam } from "@/lib/archive/room-paths";

export async function GET(_request: Request, { params }: { params: Promise<{ roomId: string; eventId: string }> }) {
  const { roomId, eventId } = await params;
  return permalinkResponse(roomIdRefFromParam(roomId), eventId);
}
