// Runs once when the Next.js server starts, before it serves requests.
export async function register() {
  // eslint-disable-next-line no-restricted-properties -- set by Next.js itself (nodejs or edge), not configuration
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("@/lib/startup");
  await startServer();
}
