import { describe, expect, it } from "vitest";
import { dayMetadata } from "@/lib/archive/day-metadata";
import type { DayPageView, MessageItemView } from "@/lib/archive/view-types";

const message = (eventId: string, ts: string, text: string): MessageItemView => ({
  kind: "message",
  eventId,
  sender: { userId: "@a:hs.test", displayName: "A" },
  ts: Date.parse(ts),
  body: { kind: "text", msgtype: "m.text", text, html: null },
  deleted: false,
  withheld: null,
  editedTs: null,
  replyTo: null,
  reactions: [],
  late: false,
  thread: null,
  continued: false,
  href: `/r/r%3Ahs.test/date/2026/11/20#${eventId}`,
});

function view(over: Partial<DayPageView>): DayPageView {
  return {
    room: { roomId: "!r:hs.test", alias: "#r:hs.test", name: "Room", topic: null, basePath: "/r/r%3Ahs.test" },
    date: "2026-11-20",
    time: null,
    canonicalPath: "/r/r%3Ahs.test/date/2026/11/20",
    viaCursor: false,
    items: [message("$a", "2026-11-20T10:00:00Z", "hello   there")],
    messageCount: 1,
    avatars: {},
    nav: {
      date: "2026-11-20",
      previousDay: "2026-11-19",
      firstDayHref: null,
      continuedIn: null,
      nextDay: null,
      previousActivityHref: null,
      nextActivityHref: null,
      earlierPageHref: null,
      laterPageHref: null,
      hours: [],
    },
    consent: {
      worldReadableSince: null,
      worldReadableBy: null,
      indexed: true,
      joinHref: "https://matrix.to/#/%23r%3Ahs.test",
      archiveUserId: "@archive:archive.test",
    },
    calendar: { label: "November 2026", weeks: [], previousMonthHref: "/r/r%3Ahs.test/date/2026/10/01", nextMonthHref: null },
    isToday: false,
    quotedDays: [],
    upgrades: { successor: null, tombstoneId: null, predecessor: null, createId: null },
    lastHeardTs: null,
    ...over,
  };
}

describe("dayMetadata", () => {
  it("gives a day page its own title, a description with an excerpt, a canonical URL and indexing", () => {
    const meta = dayMetadata({ status: "ok", page: view({}) });
    expect(meta.title).toBe("Room · 2026-11-20");
    expect(meta.description).toBe("1 message in Room (#r:hs.test) on 2026-11-20: “hello there”.");
    expect(meta.alternates?.canonical).toBe("/r/r%3Ahs.test/date/2026/11/20");
    expect(meta.robots).toEqual({ index: true, follow: true });
  });

  it("gives link previews (OpenGraph and Twitter) the same title and description, with the site's image", () => {
    const meta = dayMetadata({ status: "ok", page: view({}) });
    expect(meta.openGraph).toMatchObject({
      title: "Room · 2026-11-20",
      description: meta.description,
      url: "/r/r%3Ahs.test/date/2026/11/20",
      siteName: "Matrix public archive",
      publishedTime: "2026-11-20T10:00:00.000Z",
      images: [{ url: "/icon-512.png" }],
    });
    expect(meta.twitter).toMatchObject({ card: "summary", title: "Room · 2026-11-20", description: meta.description, images: ["/icon-512.png"] });
  });

  it("titles cursor pages by their first message's time and keeps them out of the index", () => {
    const meta = dayMetadata({ status: "ok", page: view({ viaCursor: true, items: [message("$b", "2026-11-20T15:42:10Z", "later")] }) });
    expect(meta.title).toBe("Room · 2026-11-20 from 15:42 UTC");
    expect(meta.robots).toEqual({ index: false, follow: true });
  });

  it("keeps empty days and rooms that are not publicly joinable out of the index", () => {
    expect(dayMetadata({ status: "ok", page: view({ items: [], messageCount: 0 }) }).robots).toEqual({ index: false, follow: true });
    const closed = view({});
    expect(dayMetadata({ status: "ok", page: { ...closed, consent: { ...closed.consent, indexed: false } } }).robots).toEqual({ index: false, follow: true });
    expect(dayMetadata({ status: "not_found" }).robots).toEqual({ index: false, follow: false });
  });
});
