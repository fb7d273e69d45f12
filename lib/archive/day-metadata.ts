import type { Metadata } from "next";
import type { DayPageResult } from "@/lib/archive/get-day-page";

const SITE_NAME = "Matrix public archive";
/** public/icon-512.png (scripts/make-icons.ts); made absolute by the layout's metadataBase. */
const PREVIEW_IMAGE = "/icon-512.png";

/** Title, description, canonical URL, robots rules and link-preview cards of a day page. */
export function dayMetadata(result: DayPageResult): Metadata {
  if (result.status !== "ok") return { title: "Not available", robots: { index: false, follow: false } };
  const { page } = result;
  // Cursor pages of a busy day name the time of their first message, so no two pages share a title.
  const firstTs = page.items.find((i) => i.kind !== "gap")?.ts;
  const cursorTime = page.viaCursor && firstTs !== undefined ? new Date(firstTs).toISOString().slice(11, 16) : null;
  const time = page.time ?? cursorTime;
  const when = `${page.date}${time ? ` from ${time} UTC` : ""}`;
  const first = page.items.find((i) => i.kind === "message" && i.body?.kind === "text");
  const excerpt = first?.kind === "message" && first.body?.kind === "text" ? first.body.text.replace(/\s+/g, " ").slice(0, 120) : null;
  const description =
    page.messageCount > 0
      ? `${page.messageCount} message${page.messageCount === 1 ? "" : "s"} in ${page.room.name} (${page.room.alias ?? page.room.roomId}) on ${when}${excerpt ? `: “${excerpt}”` : ""}.`
      : `No archived messages in ${page.room.name} on ${when}.`;
  const indexable = page.consent.indexed && page.messageCount > 0 && !page.viaCursor;
  return {
    title: `${page.room.name} · ${when}`,
    description,
    alternates: { canonical: page.canonicalPath, types: { "application/atom+xml": `${page.room.basePath}/feed.xml` } },
    robots: indexable ? { index: true, follow: true } : { index: false, follow: true },
    // Link previews (chat apps, social sites): the same title and description, the site's icon.
    openGraph: {
      title: `${page.room.name} · ${when}`,
      description,
      type: "article",
      url: page.canonicalPath,
      siteName: SITE_NAME,
      ...(firstTs !== undefined ? { publishedTime: new Date(firstTs).toISOString() } : {}),
      images: [{ url: PREVIEW_IMAGE, width: 512, height: 512, alt: SITE_NAME }],
    },
    twitter: { card: "summary", title: `${page.room.name} · ${when}`, description, images: [PREVIEW_IMAGE] },
  };
}
