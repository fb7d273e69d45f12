import { fileURLToPath } from "node:url";

/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite loads its WebAssembly and data files from its own package folder; the Prisma
  // adapters, the job queue (pg-boss), pino and piscina (which starts its workers from its own
  // folder) must also run from node_modules rather than be bundled.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@prisma/adapter-pg", "pg", "pg-boss", "pino", "piscina"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  // Rendered day pages are kept by the archive's own page cache, which drops a page as soon as
  // a write to the timeline names one of its tags, on every instance (docs/page-cache.md).
  cacheHandler: fileURLToPath(new URL("./lib/page-cache/next-handler.js", import.meta.url)),
  cacheMaxMemorySize: 0,
  // forbidden(): a room whose history is not world-readable answers 403, not 404.
  experimental: { authInterrupts: true },
};

export default nextConfig;
