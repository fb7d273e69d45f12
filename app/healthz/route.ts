import { pingDatabase } from "@/lib/archive/app-api";

// Liveness plus a database round trip, for the demo, tests and load balancers.
export async function GET() {
  await pingDatabase();
  return Response.json({ ok: true }, { headers: { "cache-control": "no-store" } });
}
