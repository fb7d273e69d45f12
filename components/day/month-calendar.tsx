import Link from "next/link";
import { dayPagePath } from "@/lib/archive/room-paths";
import type { CalendarView } from "@/lib/archive/view-types";

const WEEKDAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

// A plain month table (no JS): days with messages are links, the page's own day is marked.
export function MonthCalendar({ calendar, basePath, date }: { calendar: CalendarView; basePath: string; date: string }) {
  return (
    <details className="my-2 text-sm">
      <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">Calendar of {calendar.label}</summary>
      <div className="mt-2 inline-block rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
        <div className="mb-1 flex items-center justify-between gap-4">
          <Link href={calendar.previousMonthHref} className="px-1 hover:underline" aria-label="Previous month">
            ‹
          </Link>
          <span className="font-medium">{calendar.label}</span>
          {calendar.nextMonthHref ? (
            <Link href={calendar.nextMonthHref} className="px-1 hover:underline" aria-label="Next month">
              ›
            </Link>
          ) : (
            <span className="px-1 text-zinc-400">›</span>
          )}
        </div>
        <table className="border-separate border-spacing-0.5 text-center">
          <caption className="sr-only">Days of {calendar.label} with messages (UTC)</caption>
          <thead>
            <tr>
              {WEEKDAYS.map((d) => (
                <th key={d} scope="col" className="w-8 font-normal text-zinc-500">
                  {d}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {calendar.weeks.map((week, w) => (
              <tr key={w}>
                {week.map((cell, i) => (
                  <td key={i} className="h-7 w-8">
                    {cell === null ? null : cell.active ? (
                      <Link
                        href={dayPagePath(basePath, cell.date)}
                        aria-current={cell.date === date ? "date" : undefined}
                        className={`block rounded py-0.5 font-medium text-sky-700 hover:bg-sky-100 dark:text-sky-400 dark:hover:bg-sky-950 ${cell.date === date ? "ring-2 ring-sky-500" : ""}`}
                      >
                        {cell.day}
                      </Link>
                    ) : (
                      <span
                        aria-current={cell.date === date ? "date" : undefined}
                        className={`block py-0.5 text-zinc-400 dark:text-zinc-600 ${cell.date === date ? "ring-2 ring-zinc-400" : ""}`}
                      >
                        {cell.day}
                      </span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
