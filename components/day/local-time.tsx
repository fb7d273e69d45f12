"use client";

import { useSyncExternalStore } from "react";

// Server HTML carries the UTC time (the same for every reader, and all a reader without JS
// gets); after hydration the reader's own clock time is added beside it, with a day hint when
// the local date differs from the page's UTC date. useSyncExternalStore renders the server
// snapshot (nothing) while hydrating and the reader's time right after, without an effect.
export function LocalTime({ ts }: { ts: number }) {
  const local = useSyncExternalStore(
    subscribeToNothing,
    () => localTimeLabel(ts),
    () => null,
  );
  if (!local) return null;
  return (
    <span className="ml-1 text-zinc-400 dark:text-zinc-500" title="Your local time">
      ({local})
    </span>
  );
}

// The reader's time zone does not change while the page is open.
function subscribeToNothing(): () => void {
  return () => {};
}

function localTimeLabel(ts: number): string {
  const d = new Date(ts);
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  const utcDay = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const localDay = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  const shift = Math.round((localDay - utcDay) / 86_400_000);
  return shift === 0 ? time : `${time} ${shift > 0 ? "+" : "−"}${Math.abs(shift)}d`;
}
