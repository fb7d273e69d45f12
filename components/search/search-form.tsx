/** A message search box: a plain GET form, so it works without JavaScript. */
export function SearchForm({ action, query, label, id = "message-search" }: { action: string; query: string; label: string; id?: string }) {
  return (
    <search className="my-3 block">
      <form action={action} method="get" className="flex gap-2">
        <label htmlFor={id} className="sr-only">
          {label}
        </label>
        <input
          id={id}
          type="search"
          name="q"
          defaultValue={query}
          maxLength={200}
          placeholder={label}
          className="w-full max-w-md rounded border border-zinc-300 bg-white px-3 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
        />
        <button type="submit" className="rounded border border-zinc-300 px-3 py-1.5 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">
          Search messages
        </button>
      </form>
    </search>
  );
}
