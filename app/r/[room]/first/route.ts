import { firstDayRoute } from "@/app/_room/room-routes";

export const GET = firstDayRoute("alias");
