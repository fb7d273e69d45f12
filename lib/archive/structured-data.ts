import type { DayPageView, MessageItemView } from "@/lib/archive/view-types";

// schema.org for a day page: the day is one DiscussionForumPosting and its messages are its
// Comments (what Discourse converged on for crawlers), with stable message URLs. The messages
// themselves are in the page's HTML; the JSON carries the first few as a sample (it is part of
// the page twice, as HTML and in the inline payload, so it is kept small).
const COMMENTS = 20;
const COMMENT_CHARS = 300;

function messageText(m: MessageItemView): string | null {
  if (m.deleted || !m.body) return null;
  switch (m.body.kind) {
    case "text":
    case "unsupported":
    case "location":
      return m.body.text;
    case "image":
      return m.body.alt;
    case "file":
      return m.body.name;
  }
}

export function dayStructuredData(page: DayPageView, baseUrl: string): Record<string, unknown> {
  const url = new URL(page.canonicalPath, baseUrl).toString();
  const messages = page.items.filter((i): i is MessageItemView => i.kind === "message");
  const first = messages[0];
  const comments = commentsOf(messages, baseUrl);
  return {
    "@context": "https://schema.org",
    "@type": "DiscussionForumPosting",
    "@id": url,
    url,
    headline: `${page.room.name} on ${page.date}`,
    ...(page.room.topic ? { description: page.room.topic.slice(0, 300) } : {}),
    ...(first ? { datePublished: new Date(first.ts).toISOString(), author: { "@type": "Person", name: first.sender.displayName ?? first.sender.userId } } : {}),
    isPartOf: { "@type": "WebPage", url: new URL(page.room.basePath, baseUrl).toString(), name: page.room.name },
    // The count says how many comments the JSON lists (a sample: the page's HTML has them all).
    commentCount: comments.length,
    comment: comments,
  };
}

function commentsOf(messages: readonly MessageItemView[], baseUrl: string) {
  return messages.slice(0, COMMENTS).flatMap((m) => {
    const text = messageText(m);
    if (text === null) return [];
    return [
      {
        "@type": "Comment",
        url: new URL(m.href, baseUrl).toString(),
        datePublished: new Date(m.ts).toISOString(),
        author: { "@type": "Person", name: m.sender.displayName ?? m.sender.userId },
        text: text.slice(0, COMMENT_CHARS),
      },
    ];
  });
}

/** JSON for a `<script type="application/ld+json">`: `<` escaped so message text cannot close it. */
export function jsonLdText(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
