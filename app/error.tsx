"use client";

import { useEffect } from "react";

// Real failures reach here (getters return undefined for "not found"); the reader gets a retry
// and the digest to quote, never the error text itself.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <section aria-labelledby="error-title" className="py-12 text-center">
      <h1 id="error-title" className="mb-2 text-2xl font-semibold">
        Something went wrong
      </h1>
      <p className="mb-6 text-zinc-600 dark:text-zinc-400">
        The archive could not show this page right now.{error.digest ? ` (reference ${error.digest})` : ""}
      </p>
      <button type="button" onClick={reset} className="rounded border border-zinc-300 px-3 py-1 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">
        Try again
      </button>
    </section>
  );
}
