import { LoadGapButton } from "@/components/day/load-gap-button";
import type { GapItemView } from "@/lib/archive/view-types";

const WHERE: Record<GapItemView["edge"], string> = {
  leading: "Earlier messages of this day may be missing.",
  inner: "Some messages between these are not in the archive yet.",
  trailing: "Later messages of this day may be missing.",
  day: "The archive does not hold this part of the room's history yet.",
};

export function GapItem({ item, roomId }: { item: GapItemView; roomId: string }) {
  return (
    <div
      role="note"
      aria-label="Messages missing here"
      data-gap-id={item.gapId}
      className="my-2 rounded-md border border-dashed border-amber-400 bg-amber-50 px-3 py-2 dark:border-amber-700 dark:bg-amber-950/40"
    >
      <p className="font-medium">Messages missing here</p>
      <p className="mb-2 text-sm text-zinc-600 dark:text-zinc-400">{WHERE[item.edge]}</p>
      <LoadGapButton roomId={roomId} gapId={item.gapId} />
    </div>
  );
}
