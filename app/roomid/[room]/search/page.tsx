import { searchPage } from "@/app/_room/room-routes";

const { Page, generateMetadata } = searchPage("id");
export { generateMetadata };
export default Page;
