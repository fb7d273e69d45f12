import { notFound } from "next/navigation";
import { DayPage } from "@/components/day/day-page";
import { isoDate } from "@/lib/archive/day-range";
import type { DayPageResult } from "@/lib/archive/get-day-page";
import { dayStructuredData } from "@/lib/archive/structured-data";
import { getEnv } from "@/lib/env";

/** Renders a loaded day, or the 404 page for anything that is not a servable day. */
export function DayRoute({ result }: { result: DayPageResult }) {
  // Not world-readable rooms get no page at all: notFound() until forbidden() (403) is enabled.
  if (result.status !== "ok") notFound();
  return <DayPage page={result.page} today={isoDate(Date.now())} structuredData={dayStructuredData(result.page, getEnv().ARCHIVE_BASE_URL)} />;
}
