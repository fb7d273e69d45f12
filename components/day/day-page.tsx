import { DayNav } from "@/components/day/day-nav";
import { DenialItem } from "@/components/day/denial-item";
import { GapItem } from "@/components/day/gap-item";
import { LocalTimes } from "@/components/day/local-times";
import { MessageItem } from "@/components/day/message-item";
import { MonthCalendar } from "@/components/day/month-calendar";
import { RoomConsent } from "@/components/day/room-consent";
import { Kept } from "@/components/day/kept";
import { StateRun } from "@/components/day/state-run";
import { UtcTime } from "@/components/day/utc-time";
import { PredecessorNote, UpgradeNote } from "@/components/day/upgrade-note";
import { SearchForm } from "@/components/search/search-form";
import { dayPagePath, exportPath } from "@/lib/archive/room-paths";
import { jsonLdText } from "@/lib/archive/structured-data";
import { faceRules, type Face } from "@/lib/render/faces";
import type { DayItemView, DayPageView, MessageItemView } from "@/lib/archive/view-types";

// One formatter for the process: toLocaleDateString builds a new Intl formatter on every call.
const longDateFormat = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

function longDate(date: string): string {
  return longDateFormat.format(new Date(`${date}T00:00:00Z`));
}

/**
 * React keys of the page's items. A denial item is keyed by the event it concerns; an event can
 * be denied twice (overruled, then withheld), so a repeat gets a suffix.
 */
function itemKeys(items: readonly DayItemView[]): string[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const base = item.kind === "gap" ? `gap-${item.gapId}` : item.kind === "denial" ? `denial-${item.eventId}` : item.eventId;
    let key = base;
    for (let n = 2; seen.has(key); n++) key = `${base}-${n}`;
    seen.add(key);
    return key;
  });
}

type Segment =
  | { kind: "run"; items: Array<{ item: Exclude<DayItemView, { kind: "gap" }>; key: string }> }
  | { kind: "gap"; item: Extract<DayItemView, { kind: "gap" }>; key: string };

/** The page's items as runs of static items between gaps (a gap holds the one island of the list). */
function segments(items: readonly DayItemView[], keys: string[]): Segment[] {
  const out: Segment[] = [];
  items.forEach((item, n) => {
    const key = keys[n]!;
    if (item.kind === "gap") out.push({ kind: "gap", item, key });
    else {
      const last = out.at(-1);
      if (last?.kind === "run") last.items.push({ item, key });
      else out.push({ kind: "run", items: [{ item, key }] });
    }
  });
  return out;
}

/**
 * A message's own time link points at this day (its minute's page on a busy day): written
 * relative to the page ("25T10:04#$event" on .../2026/11/25), a third of the bytes of the full
 * path. The first segment starts with a digit, so it never reads as a URL scheme.
 */
function relativeToDay(item: MessageItemView, dayPath: string): MessageItemView {
  const dir = dayPath.slice(0, dayPath.lastIndexOf("/") + 1);
  const rest = item.href.startsWith(dayPath) ? item.href.slice(dayPath.length) : null;
  return rest !== null && (rest.startsWith("T") || rest.startsWith("#")) ? { ...item, href: item.href.slice(dir.length) } : item;
}

/** A face per sender of a group's first message on the page, in order of appearance. */
function pageFaces(page: DayPageView): Map<string, Face> {
  const faces = new Map<string, Face>();
  for (const item of page.items) {
    if (item.kind !== "message" || item.continued || faces.has(item.sender.userId)) continue;
    const { userId, displayName } = item.sender;
    faces.set(userId, { className: `u${faces.size}`, name: displayName ?? userId, avatar: page.avatars[userId] ?? null });
  }
  return faces;
}

function createOnPage(page: DayPageView): boolean {
  const id = page.upgrades.createId;
  return id !== null && page.items.some((i) => i.kind === "state" && i.changes.some((c) => c.eventId === id));
}

export function DayPage({ page, today, structuredData }: { page: DayPageView; today: string; structuredData: unknown }) {
  const { room } = page;
  const keys = itemKeys(page.items);
  const dayPath = dayPagePath(room.basePath, page.date);
  const faces = pageFaces(page);
  return (
    <>
      <Kept>
        {structuredData !== null && <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonLdText(structuredData) }} />}
        {faces.size > 0 && <style>{faceRules([...faces.values()])}</style>}
        <header className="mb-2">
          <p className="dim text-sm">
            <a href={room.basePath} className="hover:underline">
              {room.alias ?? room.roomId}
            </a>
          </p>
          <h1 className="text-2xl font-semibold">
            {room.name}{" "}
            <span className="dim block text-lg font-normal sm:inline">
              {longDate(page.date)}
              {page.time ? `, from ${page.time} UTC` : ""}
            </span>
          </h1>
          {room.topic && <p className="dim mt-1 line-clamp-3 text-sm">{room.topic}</p>}
          {/* Filled in by the LocalTimes island when the reader's zone splits this UTC day over two dates. */}
          <p className="tzn" data-utc-day={page.date} hidden />
        </header>
      </Kept>
      <SearchForm action={`${room.basePath}/search`} query="" label="Search this room" />
      <DayNav nav={page.nav} basePath={room.basePath} today={today} label="Days" pickerId="day-picker" />
      <Kept>
        <MonthCalendar calendar={page.calendar} basePath={room.basePath} date={page.date} />
      </Kept>
      {page.nav.earlierPageHref && (
        <p className="my-2 text-sm">
          <a href={page.nav.earlierPageHref} className="lnk">
            Earlier messages of this day
          </a>
        </p>
      )}
      <section aria-label={`Messages of ${page.date}`} className="its">
        {/* A successor joined without its early history: its first day still says where it came from. */}
        {page.upgrades.predecessor && page.nav.previousDay === null && !createOnPage(page) && <PredecessorNote link={page.upgrades.predecessor} />}
        {page.items.length === 0 ? (
          <p className="dim my-8 text-center">No messages on this day (UTC).</p>
        ) : (
          segments(page.items, keys).map((seg) =>
            seg.kind === "gap" ? (
              <GapItem key={seg.key} item={seg.item} roomId={room.roomId} back={page.canonicalPath} />
            ) : (
              // Messages, state changes and denials are static: their markup is in the HTML only,
              // not a second time in the inline payload (components/day/static-blocks.ts).
              <Kept key={seg.items[0]!.key} tag="ol" className="its">
                {seg.items.map(({ item, key }) => (
                  <li key={key}>
                    {item.kind === "message" ? (
                      <MessageItem item={relativeToDay(item, dayPath)} face={item.continued ? undefined : faces.get(item.sender.userId)?.className} />
                    ) : item.kind === "state" ? (
                      <>
                        <StateRun item={item} />
                        <UpgradeNote item={item} upgrades={page.upgrades} />
                      </>
                    ) : (
                      <DenialItem item={item} />
                    )}
                  </li>
                ))}
              </Kept>
            ),
          )
        )}
      </section>
      {page.nav.laterPageHref && (
        <p className="my-2 text-sm">
          <a href={page.nav.laterPageHref} className="lnk">
            Later messages of this day
          </a>
        </p>
      )}
      {page.lastHeardTs !== null && (
        <p className="dim my-2 text-sm">
          The archive last heard from this room on {new Date(page.lastHeardTs).toISOString().slice(0, 10)} at <UtcTime ts={page.lastHeardTs} />.
        </p>
      )}
      <DayNav nav={page.nav} basePath={room.basePath} today={today} label="Days (bottom)" pickerId="day-picker-bottom" hours={false} />
      <Kept>
        <p className="my-3 text-sm text-zinc-600 dark:text-zinc-400">
          Take this day away:{" "}
          <a href={exportPath(room.basePath, page.date, "json")} rel="nofollow" className="underline">
            JSON
          </a>{" "}
          ·{" "}
          <a href={exportPath(room.basePath, page.date, "txt")} rel="nofollow" className="underline">
            plain text
          </a>{" "}
          · the whole room as{" "}
          <a href={exportPath(room.basePath, null)} rel="nofollow" className="underline">
            NDJSON
          </a>
        </p>
        <RoomConsent consent={page.consent} room={room} />
      </Kept>
      <LocalTimes />
    </>
  );
}
