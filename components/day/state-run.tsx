import { UtcTime } from "@/components/day/utc-time";
import type { StateChangeView, StateRunItemView } from "@/lib/archive/view-types";

/**
 * One change: its text, or for a change state resolution overruled its text struck through
 * (<s>: no longer accurate) with an "overruled" badge and the reason; a withheld change says so.
 */
function Change({ change, text }: { change: StateChangeView; text: string }) {
  if (change.withheld !== null) {
    return (
      <>
        <span className="italic">
          {text}. Withheld by the archive: {change.withheld}
        </span>{" "}
        <UtcTime ts={change.ts} />
      </>
    );
  }
  if (change.overruled !== null) {
    return (
      <>
        <s className="decoration-zinc-500 dark:decoration-zinc-400">{text}</s>{" "}
        <span className="rounded border border-amber-700 bg-amber-50 px-1 text-xs font-medium uppercase tracking-wide text-amber-900 dark:border-amber-400 dark:bg-amber-950 dark:text-amber-100">
          overruled
        </span>{" "}
        <UtcTime ts={change.ts} />
        <span className="mt-0.5 block text-xs text-zinc-600 dark:text-zinc-300">{change.overruled}</span>
      </>
    );
  }
  return (
    <>
      {text} <UtcTime ts={change.ts} />
    </>
  );
}

export function StateRun({ item }: { item: StateRunItemView }) {
  const only = item.changes.length === 1 ? item.changes[0] : undefined;
  if (only) {
    return (
      <p id={item.eventId} className="scroll-mt-20 px-2 py-1 text-sm text-zinc-500 target:bg-amber-100 dark:text-zinc-400 dark:target:bg-amber-900/40">
        <Change change={only} text={item.summary} />
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
            <Change change={c} text={c.text} />
          </li>
        ))}
      </ul>
    </details>
  );
}
