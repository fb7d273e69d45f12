import { defineConfig } from "prisma/config";

// The Prisma CLI is only used for `prisma generate` here; migrations are applied by
// scripts/migrate.ts (see prisma/README.md). The URL is read only so that
// `prisma migrate deploy` also works where Prisma's schema engine can be downloaded.
export default defineConfig({
  schema: "prisma/schema",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/unused" },
});
