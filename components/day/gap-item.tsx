import { LoadGapButton } from "@/components/day/load-gap-button";
import type { GapItemView } from "@/lib/archive/view-types";

const WHERE: Record<GapItemView["edge"], string> = {
  leading: "Earlier messages of this day may be missing.",
  inner: "Some messages between these are not in the archive yet.",
  trailing: "Later messages of this day may be missing.",
  day: "The archive does not hold this part of the room's history yet.",
};

function when(ts: number): string {
  const iso = new Date(ts).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function span(item: GapItemView): string | null {
  if (item.sinceTs !== null && item.untilTs !== null) return `Missing: messages after ${when(item.sinceTs)} and before ${when(item.untilTs)}.`;
  if (item.untilTs !== null) return `Missing: messages before ${when(item.untilTs)}.`;
  if (item.sinceTs !== null) return `Missing: messages after ${when(item.sinceTs)}.`;
  return null;
}

export function GapItem({ item, roomId }: { item: GapItemView; roomId: string }) {
  return (
    <div role="note" aria-label="Messages missing here" data-gap-id={item.gapId} className="gap">
      <p>Messages missing here</p>
      <p>{WHERE[item.edge]}</p>
      {span(item) && <p>{span(item)}</p>}
      <div className="mt-2">
        <LoadGapButton roomId={roomId} gapId={item.gapId} />
      </div>
    </div>
  );
}
