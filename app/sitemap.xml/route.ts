import { connection } from "next/server";
import { sitemapIndex } from "@/lib/archive/app-api";
import { sitemapXml } from "@/lib/archive/sitemaps";

export async function GET() {
  await connection(); // rooms change at run time: never prerender at build
  const xml = sitemapXml("sitemapindex", await sitemapIndex());
  return new Response(xml, { headers: { "content-type": "application/xml; charset=utf-8", "cache-control": "public, max-age=3600" } });
}
