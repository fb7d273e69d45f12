import { dayPage } from "@/app/_room/room-routes";

const { Page, generateMetadata, generateStaticParams } = dayPage("id");
export { generateMetadata, generateStaticParams };
export const dynamicParams = true;
export default Page;
