import { sitemapIndexEntries, sitemapXml } from "@/lib/archive/sitemaps";
import { connection } from "next/server";
import { getDb } from "@/lib/db";

export async function GET() {
  await connection(); // rooms change at run time: never prerender at build
  const xml = sitemapXml("sitemapindex", await sitemapIndexEntries(getDb()));
  return new Response(xml, { headers: { "content-type": "application/xml; charset=utf-8", "cache-control": "public, max-age=3600" } });
}
