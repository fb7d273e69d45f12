import { dayPagePath } from "@/lib/archive/room-paths";
import type { CalendarView } from "@/lib/archive/view-types";

const WEEKDAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

// A plain month table (no JS): days with messages are links, the page's own day is marked.
export function MonthCalendar({ calendar, basePath, date }: { calendar: CalendarView; basePath: string; date: string }) {
  return (
    <details className="my-2 text-sm">
      <summary className="dim cursor-pointer">Calendar of {calendar.label}</summary>
      <div className="mt-2 inline-block rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
        <div className="mb-1 flex items-center justify-between gap-4">
          {calendar.previousMonthHref ? (
            <a href={calendar.previousMonthHref} className="px-1 hover:underline" aria-label="Previous month">
              ‹
            </a>
          ) : (
            <span className="dim px-1">‹</span>
          )}
          <span className="font-medium">{calendar.label}</span>
          {calendar.nextMonthHref ? (
            <a href={calendar.nextMonthHref} className="px-1 hover:underline" aria-label="Next month">
              ›
            </a>
          ) : (
            <span className="dim px-1">›</span>
          )}
        </div>
        <table className="cal border-separate border-spacing-0.5 text-center">
          <caption className="sr-only">Days of {calendar.label} with messages (UTC)</caption>
          <thead>
            <tr>
              {WEEKDAYS.map((d) => (
                <th key={d} scope="col" className="dim w-8 font-normal">
                  {d}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {calendar.weeks.map((week, w) => (
              <tr key={w}>
                {week.map((cell, i) => (
                  <td key={i}>
                    {cell === null ? null : cell.active ? (
                      <a href={dayPagePath(basePath, cell.date)} aria-current={cell.date === date ? "date" : undefined}>
                        {cell.day}
                      </a>
                    ) : (
                      <span aria-current={cell.date === date ? "date" : undefined}>{cell.day}</span>
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
