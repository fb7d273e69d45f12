import { UtcTime } from "@/components/day/utc-time";
import type { DenialItemView } from "@/lib/archive/view-types";

/**
 * Where the archive learned that an earlier item is withheld or overruled: what changed, a link
 * to that item (which stays in its place, marked), and when the archive learned it.
 */
export function DenialItem({ item }: { item: DenialItemView }) {
  return (
    <div
      role="note"
      aria-label="Later, the archive learned"
      data-denied-event-id={item.eventId}
      className="my-1 rounded-md border-l-4 border-sky-700 bg-sky-50 px-3 py-1.5 text-sm text-zinc-800 dark:border-sky-400 dark:bg-sky-950/40 dark:text-zinc-200"
    >
      <p>
        <span className="font-medium">Later, the archive learned:</span> {item.reason}{" "}
        <a href={item.href} className="whitespace-nowrap text-sky-800 underline dark:text-sky-300">
          see the item
        </a>{" "}
        <UtcTime ts={item.ts} />
      </p>
    </div>
  );
}
