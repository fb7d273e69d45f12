import { permalinkRoute } from "@/app/_room/room-routes";

export const GET = permalinkRoute("id");
