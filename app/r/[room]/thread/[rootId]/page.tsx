import { threadPage } from "@/app/_room/room-routes";

const { Page, generateMetadata } = threadPage("alias");
export { generateMetadata };
export default Page;
