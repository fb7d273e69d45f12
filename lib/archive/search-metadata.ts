import type { Metadata } from "next";
import type { SearchPageResult } from "@/lib/archive/search";

/** Search result pages are never indexed, nor their links followed: a query is not a page of the archive. */
export function searchMetadata(result: SearchPageResult): Metadata {
  const robots = { index: false, follow: false };
  if (result.status !== "ok") return { title: "Not available", robots };
  const { view } = result;
  const where = view.scope.kind === "room" ? view.scope.room.name : "all rooms";
  return { title: view.query ? `Search “${view.query}” · ${where}` : `Search · ${where}`, robots };
}
