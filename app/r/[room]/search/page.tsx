import { searchPage } from "@/app/_room/room-routes";

const { Page, generateMetadata } = searchPage("alias");
export { generateMetadata };
export default Page;
