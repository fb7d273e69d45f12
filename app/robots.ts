import type { MetadataRoute } from "next";
import { connection } from "next/server";
import { getEnv } from "@/lib/env";

export default async function robots(): Promise<MetadataRoute.Robots> {
  await connection(); // the base URL is runtime configuration, not known at build time
  const base = getEnv().ARCHIVE_BASE_URL;
  return {
    // Message permalinks only redirect to day pages, which the sitemaps list themselves.
    rules: { userAgent: "*", allow: "/", disallow: ["/api/", "/media/", "/_matrix/", "/r/*/event/", "/roomid/*/event/"] },
    sitemap: new URL("/sitemap.xml", base).toString(),
  };
}
