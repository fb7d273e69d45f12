"use client";

import { useEffect } from "react";

// One island for every time on the page, instead of a client component per time (a busy day
// has hundreds, each a hydratable node in the inline payload). After hydration it writes the
// reader's own clock time into each time's data-local attribute, which CSS shows after the
// UTC time (.ts > time[data-local]::after); a day hint is added when the local date differs.
// React never sets data-local, so a re-render (after a gap fill) leaves it alone; times added
// by a re-render are picked up by the observer.
// A reader whose clock is UTC at a time gets nothing added there: "10:00 UTC" is already their
// time. That is also why Intl is only reached when some time needs it: the first formatter a page
// makes loads the locale's data, 12–20 ms of main thread, and toLocaleTimeString makes a new
// formatter for every call.

/** The reader's own calendar date of an instant, as a comparable number (no Intl needed). */
const localDate = (d: Date) => d.getFullYear() * 10_000 + d.getMonth() * 100 + d.getDate();

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
  if (Number.isNaN(start.getTime()) || localDate(start) === localDate(lastMs)) return;
  const dates = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
  const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const date = (d: Date) => dates.format(d);
  const time = (d: Date) => clock.format(d);
  note.textContent = `This page is one UTC day. In your time zone it runs from ${date(start)}, ${time(start)} to ${date(end)}, ${time(end)}: times marked +1d or −1d fall on the neighbouring date.`;
  note.hidden = false;
}

export function LocalTimes() {
  useEffect(() => {
    let clock: Intl.DateTimeFormat | undefined;
    const seen = new WeakSet<Element>();
    const label = (d: Date) => {
      clock ??= new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
      const time = clock.format(d);
      const utcDay = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const localDay = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
      const shift = Math.round((localDay - utcDay) / 86_400_000);
      return shift === 0 ? time : `${time} ${shift > 0 ? "+" : "−"}${Math.abs(shift)}d`;
    };
    const apply = () => {
      for (const el of document.querySelectorAll<HTMLTimeElement>(".ts > time:not([data-local])")) {
        if (seen.has(el)) continue;
        seen.add(el);
        const d = new Date(el.dateTime);
        if (!Number.isNaN(d.getTime()) && d.getTimezoneOffset() !== 0) el.dataset.local = label(d);
      }
    };
    // After hydration, in a task of its own: a page that needs Intl then answers input sooner.
    // (Safari has no requestIdleCallback.)
    const firstRun = () => {
      apply();
      noteLocalDates();
    };
    const hasIdle = "requestIdleCallback" in window;
    const first = hasIdle ? window.requestIdleCallback(firstRun, { timeout: 500 }) : window.setTimeout(firstRun, 1);
    const observer = new MutationObserver(apply);
    observer.observe(document.body, { childList: true, subtree: true });
    return () => {
      if (hasIdle) window.cancelIdleCallback(first);
      else window.clearTimeout(first);
      observer.disconnect();
    };
  }, []);
  return null;
}
