import { NamedText } from "@/components/day/named-text";
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
        <s>{text}</s> <span className="badge">overruled</span> <UtcTime ts={change.ts} />
        <span className="why">
          <NamedText parts={change.overruled} />
        </span>
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
      <p id={item.eventId} className="st">
        <Change change={only} text={item.summary} />
      </p>
    );
  }
  return (
    <details className="st">
      <summary>
        {item.summary} <UtcTime ts={item.ts} />
      </summary>
      <ul>
        {item.changes.map((c) => (
          <li key={c.eventId} id={c.eventId}>
            <Change change={c} text={c.text} />
          </li>
        ))}
      </ul>
    </details>
  );
}
