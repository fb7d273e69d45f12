import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = { "@": path.resolve(import.meta.dirname) };
const exclude = ["node_modules/**", ".cache/**", "e2e/**", ".next/**"];

// Integration tests (*.integration.test.ts) run twice: against a real Postgres server and
// against embedded PGlite, so both storage paths are proven by the same assertions.
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["**/*.test.ts"], exclude: [...exclude, "**/*.integration.test.ts"] },
      },
      {
        resolve: { alias },
        test: {
          name: "integration-postgres",
          include: ["**/*.integration.test.ts"],
          exclude,
          env: { TEST_DATABASE: "postgres" },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration-pglite",
          include: ["**/*.integration.test.ts"],
          exclude,
          env: { TEST_DATABASE: "pglite" },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
