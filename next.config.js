/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite loads its WebAssembly and data files from its own package folder; the Prisma
  // adapters, the job queue (pg-boss) and pino must also run from node_modules rather than be bundled.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@prisma/adapter-pg", "pg", "pg-boss", "pino"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  // forbidden(): a room whose history is not world-readable answers 403, not 404.
  experimental: { authInterrupts: true },
};

export default nextConfig;
