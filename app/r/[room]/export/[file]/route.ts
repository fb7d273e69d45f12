import { exportRoute } from "@/app/_room/room-routes";

export const GET = exportRoute("alias");
