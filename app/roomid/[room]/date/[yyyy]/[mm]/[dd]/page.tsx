import { dayPage } from "@/app/_room/room-routes";

const { Page, generateMetadata } = dayPage("id");
export { generateMetadata };
export default Page;
