import { dayPage } from "@/app/_room/room-routes";

const { Page, generateMetadata, generateStaticParams } = dayPage("alias");
export { generateMetadata, generateStaticParams };
export const dynamicParams = true;
export default Page;
