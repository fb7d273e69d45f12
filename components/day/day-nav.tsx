import Link from "next/link";
import { DatePicker } from "@/components/day/date-picker";
import { dayPagePath } from "@/lib/archive/room-paths";
import type { DayNavView } from "@/lib/archive/view-types";

const LINK = "rounded px-2 py-1 hover:bg-zinc-100 dark:hover:bg-zinc-800";
const OFF = "px-2 py-1 text-zinc-400 dark:text-zinc-600";

export function DayNav({ nav, basePath, today, label }: { nav: DayNavView; basePath: string; today: string; label: string }) {
  return (
    <nav aria-label={label} className="my-3 flex flex-wrap items-center justify-between gap-2 text-sm">
      <div className="flex flex-wrap items-center gap-1">
        <Link rel="prev" href={dayPagePath(basePath, nav.previousDay)} className={LINK}>
          ← Previous day
        </Link>
        {nav.nextDay ? (
          <Link rel="next" href={dayPagePath(basePath, nav.nextDay)} className={LINK}>
            Next day →
          </Link>
        ) : (
          <span className={OFF}>Next day →</span>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-1">
        {nav.previousActivityHref ? (
          <Link href={nav.previousActivityHref} className={LINK}>
            ⇤ Previous activity
          </Link>
        ) : (
          <span className={OFF}>⇤ Previous activity</span>
        )}
        {nav.nextActivityHref ? (
          <Link href={nav.nextActivityHref} className={LINK}>
            Next activity ⇥
          </Link>
        ) : (
          <span className={OFF}>Next activity ⇥</span>
        )}
      </div>
      <DatePicker basePath={basePath} date={nav.date} max={today} />
      {nav.hours.length > 0 && (
        <ul className="flex w-full flex-wrap gap-1" aria-label="Times of this day">
          {nav.hours.map((h) => (
            <li key={h.label}>
              <Link href={h.href} className="rounded px-1.5 py-0.5 font-mono text-xs hover:bg-zinc-100 dark:hover:bg-zinc-800">
                {h.label}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
