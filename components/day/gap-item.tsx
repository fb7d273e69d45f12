import { LoadGapButton } from "@/components/day/load-gap-button";
import { gapSpanText } from "@/lib/archive/gap-text";
import type { GapItemView } from "@/lib/archive/view-types";

const WHERE: Record<GapItemView["edge"], string> = {
  leading: "Earlier messages of this day may be missing.",
  inner: "Some messages between these are not in the archive yet.",
  trailing: "Later messages of this day may be missing.",
  day: "The archive does not hold this part of the room's history yet.",
};

export function GapItem({ item, roomId, back }: { item: GapItemView; roomId: string; back: string }) {
  const span = gapSpanText(item.sinceTs, item.untilTs);
  return (
    <div role="note" aria-label="Messages missing here" data-gap-id={item.gapId} className="gap">
      <p>Messages missing here</p>
      <p>{WHERE[item.edge]}</p>
      {span && <p>{span}</p>}
      <div className="mt-2">
        <LoadGapButton roomId={roomId} gapId={item.gapId} back={back} />
      </div>
    </div>
  );
}
