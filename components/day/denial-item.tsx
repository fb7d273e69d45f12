import { NamedText } from "@/components/day/named-text";
import { UtcTime } from "@/components/day/utc-time";
import type { DenialItemView } from "@/lib/archive/view-types";

/**
 * Where the archive learned that an earlier item is withheld or overruled: what changed, a link
 * to that item (which stays in its place, marked), and when the archive learned it.
 */
export function DenialItem({ item }: { item: DenialItemView }) {
  return (
    <div role="note" aria-label="Later, the archive learned" data-denied-event-id={item.eventId} className="denial">
      <p>
        <span className="font-medium">Later, the archive learned:</span> <NamedText parts={item.reason} />{" "}
        <a href={item.href} className="lnk whitespace-nowrap">
          see the item
        </a>{" "}
        <UtcTime ts={item.ts} />
      </p>
    </div>
  );
}
