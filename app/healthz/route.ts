import { getDb } from "@/lib/db";

// Liveness plus a database round trip, for the demo, tests and load balancers.
export async function GET() {
  await getDb().$queryRaw`SELECT 1`;
  return Response.json({ ok: true }, { headers: { "cache-control": "no-store" } });
}
