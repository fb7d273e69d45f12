"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

// A plain GET form (works without JS through the room's /date route handler); with JS the
// router navigates straight to the day page.
export function DatePicker({ basePath, date, max }: { basePath: string; date: string; max: string }) {
  const router = useRouter();
  const [value, setValue] = useState(date);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return;
    e.preventDefault();
    router.push(`${basePath}/date/${value.replaceAll("-", "/")}`);
  };
  return (
    <form action={`${basePath}/date`} method="get" onSubmit={onSubmit} className="flex items-center gap-2">
      <label htmlFor="day-picker" className="sr-only">
        Go to date
      </label>
      <input
        id="day-picker"
        type="date"
        name="d"
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
