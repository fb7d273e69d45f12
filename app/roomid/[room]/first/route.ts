import { firstDayRoute } from "@/app/_room/room-routes";

export const GET = firstDayRoute("id");
