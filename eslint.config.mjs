// ESLint 9 flat config: Next's rules (core web vitals, react, react-hooks, import, jsx-a11y),
// typescript-eslint's recommended rules (syntactic only: the type-aware set costs ~4x the time
// and found nothing of weight here), and the project's own rules below.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  globalIgnores(["node_modules/**", ".next/**", ".cache/**", ".data/**", "lib/generated/**", "test-results/**", "playwright-report/**", "next-env.d.ts"]),
  ...nextVitals,
  ...nextTs,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      "@typescript-eslint/no-unused-expressions": "error",
    },
  },
  {
    // lib/env.ts is the one place that reads process.env (validated, with defaults); anything else
    // reading it must say why with an eslint-disable comment. Tests may read their own knobs.
    files: ["app/**", "components/**", "lib/**", "proxy.ts", "instrumentation.ts"],
    ignores: ["lib/env.ts", "**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration through getEnv() from @/lib/env." }],
    },
  },
  {
    // Playwright fixtures and scripts are not React: `useTestbed` and the like are not hooks.
    files: ["e2e/**", "scripts/**", "bench/**"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
]);
