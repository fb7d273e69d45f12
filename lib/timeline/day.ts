import { z } from "zod";

const DAY_MS = 86_400_000n;

/** A UTC date as in the day-page URLs: YYYY-MM-DD. */
export const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2024-03-15")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "is not a calendar date");

/** The time selector of a busy day: T{hh}:{mm} or hh:mm. */
export const timeOfDaySchema = z
  .string()
  .regex(/^T?([01]\d|2[0-3]):([0-5]\d)$/, "must be a time such as T14:30")
  .transform((t) => {
    const [h, m] = t.replace(/^T/, "").split(":").map(Number);
    return BigInt((h ?? 0) * 3_600_000 + (m ?? 0) * 60_000);
  });

/** [start, end) of a UTC day in ms. */
export function dayRange(day: string): { start: bigint; end: bigint } {
  const start = BigInt(Date.parse(`${daySchema.parse(day)}T00:00:00Z`));
  return { start, end: start + DAY_MS };
}

export function dayOf(ts: bigint): string {
  return new Date(Number(ts)).toISOString().slice(0, 10);
}
