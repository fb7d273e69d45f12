import { MessageBodyView } from "@/components/day/message-body";
import { UtcTime } from "@/components/day/utc-time";
import type { MessageItemView } from "@/lib/archive/view-types";

export function MessageItem({ item, permalink }: { item: MessageItemView; permalink: string }) {
  const name = item.sender.displayName ?? item.sender.userId;
  return (
    <article
      id={item.eventId}
      aria-labelledby={`${item.eventId}-sender`}
      className="group scroll-mt-20 rounded-md px-2 py-1.5 target:bg-amber-100 target:ring-2 target:ring-amber-400 hover:bg-zinc-50 dark:target:bg-amber-900/40 dark:hover:bg-zinc-900"
    >
      <header className="flex flex-wrap items-baseline gap-x-2">
        <span id={`${item.eventId}-sender`} className="font-semibold" title={item.sender.userId}>
          {name}
        </span>
        <UtcTime ts={item.ts} href={permalink} />
        {item.editedTs !== null && (
          <span className="text-xs text-zinc-500" title={`Edited ${new Date(item.editedTs).toISOString().replace("T", " ").slice(0, 16)} UTC`}>
            (edited)
          </span>
        )}
      </header>
      {item.late && (
        <p className="text-xs text-amber-700 dark:text-amber-400">
          Arrived late: sent {new Date(item.ts).toISOString().replace("T", " ").slice(0, 16)} UTC, shown where the archive received it.
        </p>
      )}
      {item.replyTo && (
        <blockquote className="my-1 border-l-4 border-zinc-300 pl-2 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          {item.replyTo.href ? (
            <a href={item.replyTo.href} className="hover:underline">
              {item.replyTo.kind === "thread" ? "In the thread of" : "In reply to"}{" "}
              {item.replyTo.sender ? (item.replyTo.sender.displayName ?? item.replyTo.sender.userId) : "a message"}
            </a>
          ) : (
            <span>{item.replyTo.kind === "thread" ? "In a thread whose first message" : "In reply to a message"} the archive does not hold</span>
          )}
          {item.replyTo.deleted ? (
            <p className="italic">Message deleted</p>
          ) : (
            item.replyTo.excerpt && <p className="line-clamp-3 whitespace-pre-wrap">{item.replyTo.excerpt}</p>
          )}
        </blockquote>
      )}
      {item.withheld !== null ? (
        <p className="italic text-zinc-500">Withheld by the archive: {item.withheld}</p>
      ) : item.deleted ? (
        <p className="italic text-zinc-500">Message deleted</p>
      ) : item.body ? (
        <MessageBodyView body={item.body} senderName={name} />
      ) : (
        <p className="italic text-zinc-500">Message without readable content</p>
      )}
      {item.reactions.length > 0 && (
        <ul className="mt-1 flex flex-wrap gap-1" aria-label="Reactions">
          {item.reactions.map((r) => (
            <li key={r.key} className="rounded-full border border-zinc-200 px-2 text-sm dark:border-zinc-700" title={r.senders.join(", ")}>
              {r.key} <span className="text-zinc-500">{r.count}</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
