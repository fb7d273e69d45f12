import Link from "next/link";
import { SearchForm } from "@/components/search/search-form";
import { UtcTime } from "@/components/day/utc-time";
import { MAX_QUERY_CHARS } from "@/lib/archive/search";
import type { SearchHitView, SearchPageView } from "@/lib/archive/view-types";

const PROBLEMS: Record<NonNullable<SearchPageView["problem"]>, string> = {
  too_long: `Query too long: at most ${MAX_QUERY_CHARS} characters.`,
  no_terms: "Nothing to search for: the query has no words that can be searched (only punctuation or very common words).",
  timeout: "The search took too long. Try more specific words.",
};

function Hit({ hit, showRoom }: { hit: SearchHitView; showRoom: boolean }) {
  return (
    <article className="rounded-md px-2 py-2 hover:bg-zinc-50 dark:hover:bg-zinc-900" data-event-id={hit.eventId}>
      <header className="flex flex-wrap items-baseline gap-x-2">
        <span className="font-semibold" title={hit.sender.userId}>
          {hit.sender.displayName ?? hit.sender.userId}
        </span>
        <UtcTime ts={hit.ts} />
        <span className="text-xs text-zinc-500">{new Date(hit.ts).toISOString().slice(0, 10)}</span>
        {showRoom && (
          <Link href={hit.room.basePath} className="text-xs text-zinc-500 hover:underline">
            in {hit.room.name}
          </Link>
        )}
      </header>
      <p className="whitespace-pre-wrap break-words">
        <a href={hit.href} rel="nofollow" className="hover:underline">
          {hit.snippet.map((part, n) =>
            part.mark ? (
              <mark key={n} className="rounded-sm bg-amber-200 px-0.5 text-inherit dark:bg-amber-700/60">
                {part.text}
              </mark>
            ) : (
              <span key={n}>{part.text}</span>
            ),
          )}
        </a>
      </p>
    </article>
  );
}

export function SearchResults({ view }: { view: SearchPageView }) {
  const where = view.scope.kind === "room" ? view.scope.room.name : "all archived rooms";
  return (
    <>
      <header className="mb-2">
        {view.scope.kind === "room" && (
          <p className="text-sm text-zinc-500">
            <Link href={view.scope.room.basePath} className="hover:underline">
              {view.scope.room.alias ?? view.scope.room.roomId}
            </Link>
          </p>
        )}
        <h1 className="text-2xl font-semibold">{view.query ? `Search “${view.query}” in ${where}` : `Search ${where}`}</h1>
      </header>
      <SearchForm action={view.path} query={view.query} label={`Search messages in ${where}`} />
      {view.problem && (
        <p role="alert" className="my-4 text-amber-800 dark:text-amber-300">
          {PROBLEMS[view.problem]}
        </p>
      )}
      {view.query && view.gapCount > 0 && (
        <p
          role="note"
          aria-label="Results may be incomplete"
          className="my-3 rounded-md border border-dashed border-amber-400 bg-amber-50 px-3 py-2 text-sm dark:border-amber-700 dark:bg-amber-950/40"
        >
          Results may be incomplete: {view.gapCount} {view.gapCount === 1 ? "gap" : "gaps"} in the history the archive holds
          {view.scope.kind === "room" ? " of this room" : ""}. Messages in them cannot be found until they are loaded.
        </p>
      )}
      {view.query && !view.problem && (
        <section aria-label="Search results">
          {view.hits.length === 0 ? (
            <p className="my-8 text-center text-zinc-500">{view.page > 1 ? "No more results." : `No message matches “${view.query}”.`}</p>
          ) : (
            <ol className="flex flex-col gap-1">
              {view.hits.map((hit) => (
                <li key={hit.eventId}>
                  <Hit hit={hit} showRoom={view.scope.kind === "all"} />
                </li>
              ))}
            </ol>
          )}
          {(view.previousPageHref || view.nextPageHref) && (
            <nav aria-label="Result pages" className="my-4 flex justify-between text-sm">
              {view.previousPageHref ? (
                <Link href={view.previousPageHref} className="text-sky-700 underline dark:text-sky-400">
                  ← Newer results
                </Link>
              ) : (
                <span />
              )}
              <span className="text-zinc-500">Page {view.page}</span>
              {view.nextPageHref ? (
                <Link href={view.nextPageHref} className="text-sky-700 underline dark:text-sky-400">
                  Older results →
                </Link>
              ) : (
                <span />
              )}
            </nav>
          )}
        </section>
      )}
    </>
  );
}
