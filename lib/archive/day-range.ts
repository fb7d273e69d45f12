import { z } from "zod";

// Days are UTC dates: the same URL shows the same messages to every reader in every timezone
// (Gitter archives keyed days to the viewer's zone, and their permalinks broke).

const DAY_MS = 86_400_000;

export interface DayRef {
  year: number;
  month: number;
  day: number;
  /** Minutes after midnight when the URL has a `T{hh}:{mm}` part. */
  minuteOfDay: number | null;
}

const twoDigits = z.string().regex(/^\d{2}$/);

const dayParamsSchema = z.object({
  yyyy: z.string().regex(/^\d{4}$/),
  mm: twoDigits,
  dd: z.string().regex(/^\d{2}(?:T\d{2}(?::|%3A)\d{2})?$/i),
});

/** Parses route segments; undefined for anything that is not a real calendar date and time. */
export function parseDayParams(params: { yyyy: string; mm: string; dd: string }): DayRef | undefined {
  const parsed = dayParamsSchema.safeParse(params);
  if (!parsed.success) return undefined;
  const year = Number(parsed.data.yyyy);
  const month = Number(parsed.data.mm);
  const [dayPart = "", timePart] = decodeURIComponent(parsed.data.dd).split("T");
  const day = Number(dayPart);
  if (year < 1970 || month < 1 || month > 12 || day < 1) return undefined;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  let minuteOfDay: number | null = null;
  if (timePart !== undefined) {
    const [hh = "", mi = ""] = timePart.split(":");
    const h = Number(hh);
    const m = Number(mi);
    if (h > 23 || m > 59) return undefined;
    minuteOfDay = h * 60 + m;
  }
  return { year, month, day, minuteOfDay };
}

function dayStartMs(ref: Pick<DayRef, "year" | "month" | "day">): number {
  return Date.UTC(ref.year, ref.month - 1, ref.day);
}

export function dayBounds(ref: DayRef): { start: number; end: number; from: number } {
  const start = dayStartMs(ref);
  return { start, end: start + DAY_MS, from: start + (ref.minuteOfDay ?? 0) * 60_000 };
}

/** `YYYY-MM-DD` of a timestamp, in UTC. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYY/MM/DD` path segments for a `YYYY-MM-DD` date. */
export function datePath(date: string): string {
  return date.replaceAll("-", "/");
}

export function addDays(date: string, days: number): string {
  return isoDate(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
}

export function formatTimeOfDay(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

export function refToDate(ref: DayRef): string {
  return isoDate(dayStartMs(ref));
}
