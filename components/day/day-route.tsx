import { forbidden, notFound } from "next/navigation";
import { DayPage } from "@/components/day/day-page";
import { isoDate } from "@/lib/archive/day-range";
import type { DayPageResult } from "@/lib/archive/get-day-page";
import { dayStructuredData } from "@/lib/archive/structured-data";
import { getEnv } from "@/lib/env";

/**
 * Renders a loaded day; 403 for a room that is not world-readable, 404 for anything else (a day
 * before the room's history begins too: a redirect from this statically rendered page would
 * carry its Location header twice).
 */
export function DayRoute({ result }: { result: DayPageResult }) {
  if (result.status === "forbidden") forbidden();
  if (result.status !== "ok") notFound();
  const { page } = result;
  // Cursor pages ask search engines not to index them, so they carry no structured data either.
  const structuredData = page.viaCursor ? null : dayStructuredData(page, getEnv().ARCHIVE_BASE_URL);
  // A server component renders once per request: "today" is the request's date.
  // eslint-disable-next-line react-hooks/purity
  return <DayPage page={page} today={isoDate(Date.now())} structuredData={structuredData} />;
}
