import { landingPage } from "@/app/_room/room-routes";

export default landingPage("alias");
