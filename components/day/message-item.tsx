import { MessageBodyView } from "@/components/day/message-body";
import { UtcTime } from "@/components/day/utc-time";
import type { MessageItemView } from "@/lib/archive/view-types";

function minute(ts: number): string {
  return new Date(ts).toISOString().replace("T", " ").slice(0, 16);
}

// A message is static markup (a server component): short classes styled in app/globals.css,
// no ids beyond the anchor, no per-message island. `face` is the class that draws the sender's
// avatar beside the name (lib/render/faces.ts), on the first message of a group.
export function MessageItem({ item, face }: { item: MessageItemView; face?: string }) {
  const name = item.sender.displayName ?? item.sender.userId;
  return (
    <article id={item.eventId} className={item.continued ? "msg cont" : "msg"}>
      <header>
        <b className={face} {...(item.sender.displayName === null ? {} : { title: item.sender.userId })}>
          {name}
        </b>
        <UtcTime ts={item.ts} href={item.href} />
        {item.editedTs !== null && <small title={`Edited ${minute(item.editedTs)} UTC`}>(edited)</small>}
      </header>
      {item.late && <p className="late">Arrived late: sent {minute(item.ts)} UTC, shown where the archive received it.</p>}
      {item.replyTo && (
        <blockquote>
          {item.replyTo.href ? (
            <a href={item.replyTo.href}>
              {item.replyTo.kind === "thread" ? "In the thread of" : "In reply to"}{" "}
              {item.replyTo.sender ? (item.replyTo.sender.displayName ?? item.replyTo.sender.userId) : "a message"}
            </a>
          ) : (
            <span>{item.replyTo.kind === "thread" ? "In a thread whose first message" : "In reply to a message"} the archive does not hold</span>
          )}
          {item.replyTo.deleted ? <p className="italic">Message deleted</p> : item.replyTo.excerpt && <p>{item.replyTo.excerpt}</p>}
        </blockquote>
      )}
      {item.withheld !== null ? (
        <p className="off">Withheld by the archive: {item.withheld}</p>
      ) : item.deleted ? (
        <p className="off">Message deleted</p>
      ) : item.body ? (
        <MessageBodyView body={item.body} senderName={name} />
      ) : (
        <p className="off">Message without readable content</p>
      )}
      {item.thread && (
        <p className="thr">
          <a href={item.thread.href}>
            {item.thread.count} {item.thread.count === 1 ? "reply" : "replies"} in the thread
          </a>
          , latest {minute(item.thread.latestTs)} UTC
        </p>
      )}
      {item.reactions.length > 0 && (
        <ul className="rx" aria-label="Reactions">
          {item.reactions.map((r) => (
            <li key={r.key} title={r.senders.join(", ")}>
              {r.key} <span>{r.count}</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
