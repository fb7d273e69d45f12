// The operator CLI: `npm run archive -- <command>` (`npm run archive -- help` lists them). It
// reads the same configuration as the server (DATABASE_URL, or DATA_DIR for embedded PGlite).
// The archive's own log lines would bury the command's output: warnings and errors only, unless
// LOG_LEVEL says otherwise (set before anything that logs is loaded).
process.env.LOG_LEVEL ??= "warn";
await import("@/cli/main");
export {};
