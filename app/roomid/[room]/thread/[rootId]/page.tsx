import { threadPage } from "@/app/_room/room-routes";

const { Page, generateMetadata } = threadPage("id");
export { generateMetadata };
export default Page;
