import { UtcTime } from "@/components/day/utc-time";
import type { StateRunItemView } from "@/lib/archive/view-types";

export function StateRun({ item }: { item: StateRunItemView }) {
  if (item.changes.length === 1) {
    return (
      <p id={item.eventId} className="scroll-mt-20 px-2 py-1 text-sm text-zinc-500 target:bg-amber-100 dark:text-zinc-400 dark:target:bg-amber-900/40">
        {item.summary} <UtcTime ts={item.ts} />
      </p>
    );
  }
  return (
    <details className="scroll-mt-20 px-2 py-1 text-sm text-zinc-500 dark:text-zinc-400">
      <summary className="cursor-pointer">
        {item.summary} <UtcTime ts={item.ts} />
      </summary>
      <ul className="ml-4 mt-1 list-disc">
        {item.changes.map((c) => (
          <li key={c.eventId} id={c.eventId} className="target:bg-amber-100 dark:target:bg-amber-900/40">
            {c.text} <UtcTime ts={c.ts} />
          </li>
        ))}
      </ul>
    </details>
  );
}
