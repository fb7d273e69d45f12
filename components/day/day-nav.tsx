import { DatePicker } from "@/components/day/date-picker";
import { Kept } from "@/components/day/kept";
import { dayPagePath } from "@/lib/archive/room-paths";
import type { DayNavView } from "@/lib/archive/view-types";

// Plain links, not next/link: a day page is a cached document, so a full load is as fast as a
// client navigation, and the page carries no router prefetches or per-link client references.
// Rendered twice on a day page (top and bottom): `pickerId` keeps the two date pickers' ids apart,
// and only the top one lists the hours of a busy day (`hours`), which the bottom one would repeat.
export function DayNav({
  nav,
  basePath,
  today,
  label,
  pickerId,
  hours = true,
}: {
  nav: DayNavView;
  basePath: string;
  today: string;
  label: string;
  pickerId: string;
  hours?: boolean;
}) {
  return (
    <nav aria-label={label} className="nav my-3 flex flex-wrap items-center justify-between gap-2 text-sm">
      <Kept className="contents">
        <div className="flex flex-wrap items-center gap-1">
          {nav.firstDayHref && <a href={nav.firstDayHref}>« First day</a>}
          {nav.previousDay ? (
            <a rel="prev" href={dayPagePath(basePath, nav.previousDay)}>
              ← Previous day
            </a>
          ) : (
            <span className="na">← Previous day</span>
          )}
          {nav.nextDay ? (
            <a rel="next" href={dayPagePath(basePath, nav.nextDay)}>
              Next day →
            </a>
          ) : (
            <span className="na">Next day →</span>
          )}
        </div>
        <div className="flex flex-wrap items-center gap-1">
          {nav.previousActivityHref ? <a href={nav.previousActivityHref}>⇤ Previous activity</a> : <span className="na">⇤ Previous activity</span>}
          {nav.nextActivityHref ? (
            <a href={nav.nextActivityHref}>Next activity ⇥</a>
          ) : nav.continuedIn ? (
            <a href={nav.continuedIn.href}>Continued in {nav.continuedIn.label} ⇥</a>
          ) : (
            <span className="na">Next activity ⇥</span>
          )}
          {nav.nextActivityHref && <a href={basePath}>Jump to latest »</a>}
        </div>
      </Kept>
      <DatePicker basePath={basePath} date={nav.date} max={today} id={pickerId} />
      {hours && nav.hours.length > 0 && (
        <Kept className="contents">
          <ul className="hours flex w-full flex-wrap gap-1" aria-label="Times of this day">
            {nav.hours.map((h) => (
              <li key={h.label}>
                <a href={h.href}>{h.label}</a>
              </li>
            ))}
          </ul>
        </Kept>
      )}
    </nav>
  );
}
