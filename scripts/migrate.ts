// `npm run migrate`: applies pending migrations to the configured database (DATABASE_URL, or
// the embedded PGlite under DATA_DIR; stop the server first, PGlite allows one process).
import { getDatabase } from "@/lib/db";

const database = getDatabase();
try {
  const applied = await database.migrate();
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "nothing to apply");
} finally {
  await database.close();
}
