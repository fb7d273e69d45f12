import type { Db } from "@/lib/db";
import type { AuthEvent } from "@/lib/matrix/auth/types";
import type { LoadedGroup } from "@/lib/ingest/state-store";

// In-process caches of what never changes once stored: parsed events (by ID) and state groups
// (by ID). One set per database client, so tests that open several databases in one process
// never see each other's rows; sequences never reuse a group ID, so a group cached by a
// transaction that rolled back is merely never asked for again.

class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    if (this.map.size >= this.limit) {
      // Map keeps insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.limit / 10);
      for (const k of this.map.keys()) {
        this.map.delete(k);
        if (--drop <= 0) break;
      }
    }
    this.map.set(key, value);
  }
}

export interface IngestCaches {
  events: BoundedCache<string, AuthEvent>;
  groups: BoundedCache<bigint, LoadedGroup>;
}

const scopes = new WeakMap<Db, IngestCaches>();

export function cachesFor(db: Db): IngestCaches {
  let caches = scopes.get(db);
  if (!caches) {
    caches = { events: new BoundedCache(50_000), groups: new BoundedCache(2_000) };
    scopes.set(db, caches);
  }
  return caches;
}
