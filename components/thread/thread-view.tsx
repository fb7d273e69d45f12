import { GapItem } from "@/components/day/gap-item";
import { LocalTimes } from "@/components/day/local-times";
import { MessageItem } from "@/components/day/message-item";
import { StateRun } from "@/components/day/state-run";
import type { ThreadPageView } from "@/lib/archive/thread-page";

/** A thread: its root and replies in timeline order, gaps where its history may be missing. */
export function ThreadView({ view }: { view: ThreadPageView }) {
  const { room } = view;
  return (
    <>
      <header className="mb-2">
        <p className="text-sm text-zinc-500">
          <a href={room.basePath} className="hover:underline">
            {room.alias ?? room.roomId}
          </a>
        </p>
        <h1 className="text-2xl font-semibold">
          Thread in {room.name}{" "}
          <span className="block text-lg font-normal text-zinc-600 sm:inline dark:text-zinc-400">
            {view.replyCount} {view.replyCount === 1 ? "reply" : "replies"}
          </span>
        </h1>
      </header>
      {!view.hasRoot && <p className="off my-2">The archive does not hold the message this thread started from.</p>}
      <section aria-label="Thread">
        <ol className="flex flex-col gap-0.5">
          {view.items.map((item, n) => (
            <li key={item.kind === "gap" ? `gap-${item.gapId}` : `${item.kind}-${"eventId" in item ? item.eventId : n}`}>
              {item.kind === "message" ? (
                <MessageItem item={item} />
              ) : item.kind === "gap" ? (
                <GapItem item={item} roomId={room.roomId} back={view.canonicalPath} />
              ) : item.kind === "state" ? (
                <StateRun item={item} />
              ) : null}
            </li>
          ))}
        </ol>
      </section>
      {view.gapAfter && (
        <p role="note" aria-label="Later replies may be missing" className="my-3 text-sm text-amber-800 dark:text-amber-300">
          Later replies may be missing: the archive does not hold all of the room&apos;s history after the latest reply shown.
        </p>
      )}
      {view.truncated && <p className="off my-2">This thread is longer than a page shows; its later replies are on their day pages.</p>}
      <LocalTimes />
    </>
  );
}
