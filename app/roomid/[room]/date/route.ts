import { datePickerRoute } from "@/app/_room/room-routes";

export const GET = datePickerRoute("id");
