import { dayPage } from "@/app/_room/room-routes";

const { Page, generateMetadata } = dayPage("alias");
export { generateMetadata };
export default Page;
