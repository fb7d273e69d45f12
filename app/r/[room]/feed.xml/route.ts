import { feedRoute } from "@/app/_room/room-routes";

export const GET = feedRoute("alias");
