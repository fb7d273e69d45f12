// Runs once when the Next.js server starts, before it serves requests.
export async function register() {
  // eslint-disable-next-line no-restricted-properties -- set by Next.js itself (nodejs or edge), not configuration
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Before anything else, so that per-client limits see every request's peer (docs/limits.md).
  const { recordPeerAddresses } = await import("@/lib/archive/client-address");
  recordPeerAddresses();
  const { startServer } = await import("@/lib/startup");
  await startServer();
}
