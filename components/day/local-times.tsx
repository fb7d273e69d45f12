"use client";

import { useEffect } from "react";

// One island for every time on the page, instead of a client component per time (a busy day
// has hundreds, each a hydratable node in the inline payload). After hydration it writes the
// reader's own clock time into each time's data-local attribute, which CSS shows after the
// UTC time (.ts > time[data-local]::after); a day hint is added when the local date differs.
// React never sets data-local, so a re-render (after a gap fill) leaves it alone; times added
// by a re-render are picked up by the observer.
/**
 * A UTC day page read in a zone other than UTC covers parts of two local dates: the page's note
 * (`[data-utc-day]`, empty and hidden in the HTML) says from when to when, in the reader's clock.
 */
function noteLocalDates() {
  const note = document.querySelector<HTMLElement>("[data-utc-day]");
  const day = note?.dataset.utcDay;
  if (!note || !day || !note.hidden) return;
  const start = new Date(`${day}T00:00:00Z`);
  const end = new Date(start.getTime() + 86_400_000);
  const lastMs = new Date(end.getTime() - 1);
  const date = (d: Date) => d.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
  if (Number.isNaN(start.getTime()) || date(start) === date(lastMs)) return;
  const time = (d: Date) => d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  note.textContent = `This page is one UTC day. In your time zone it runs from ${date(start)}, ${time(start)} to ${date(end)}, ${time(end)}: times marked +1d or −1d fall on the neighbouring date.`;
  note.hidden = false;
}

export function LocalTimes() {
  useEffect(() => {
    const label = (d: Date) => {
      const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
      const utcDay = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const localDay = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
      const shift = Math.round((localDay - utcDay) / 86_400_000);
      return shift === 0 ? time : `${time} ${shift > 0 ? "+" : "−"}${Math.abs(shift)}d`;
    };
    const apply = () => {
      for (const el of document.querySelectorAll<HTMLTimeElement>(".ts > time:not([data-local])")) {
        const d = new Date(el.dateTime);
        if (!Number.isNaN(d.getTime())) el.dataset.local = label(d);
      }
    };
    apply();
    noteLocalDates();
    const observer = new MutationObserver(apply);
    observer.observe(document.body, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, []);
  return null;
}
