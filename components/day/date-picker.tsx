// A plain GET form, answered by the room's /date route handler with a redirect to the day page,
// with JavaScript or without: a page load either way, as day pages need (they keep their
// messages out of the RSC payload, components/day/static-blocks.ts), and no script to ship.
// `from` names the page's own day: a form sent without a date (a browser that ignores
// `required`) leads back there, not to an error.
export function DatePicker({ basePath, date, max, id }: { basePath: string; date: string; max: string; id: string }) {
  return (
    <form action={`${basePath}/date`} method="get" className="flex items-center gap-2">
      <input type="hidden" name="from" value={date} />
      <label htmlFor={id} className="sr-only">
        Go to date
      </label>
      <input
        id={id}
        type="date"
        name="d"
        required
        defaultValue={date}
        max={max}
        min="2014-01-01"
        className="rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
      />
      <button type="submit" className="btn">
        Go
      </button>
    </form>
  );
}
