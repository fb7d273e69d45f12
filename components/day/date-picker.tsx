"use client";

import { useState, type FormEvent } from "react";

// A plain GET form (works without JS through the room's /date route handler); with JS the
// browser goes straight to the day page (a page load, not a client navigation: day pages keep
// their messages out of the RSC payload, components/day/static-blocks.ts). `from` names the page's own day: a form sent
// without a date (a browser that ignores `required`) leads back there, not to an error.
export function DatePicker({ basePath, date, max, id }: { basePath: string; date: string; max: string; id: string }) {
  const [value, setValue] = useState(date);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return;
    window.location.assign(`${basePath}/date/${value.replaceAll("-", "/")}`);
  };
  return (
    <form action={`${basePath}/date`} method="get" onSubmit={onSubmit} className="flex items-center gap-2">
      <input type="hidden" name="from" value={date} />
      <label htmlFor={id} className="sr-only">
        Go to date
      </label>
      <input
        id={id}
        type="date"
        name="d"
        required
        value={value}
        max={max}
        min="2014-01-01"
        onChange={(e) => setValue(e.target.value)}
        className="rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
      />
      <button type="submit" className="btn">
        Go
      </button>
    </form>
  );
}
