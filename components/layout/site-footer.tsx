export function SiteFooter() {
  return (
    <footer className="mt-12 border-t border-zinc-200 py-6 text-sm text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
      <p className="mx-auto max-w-4xl px-4">
        Only rooms whose history is set to be readable by anyone (<code>world_readable</code>) are archived here.
      </p>
    </footer>
  );
}
