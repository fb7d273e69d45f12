export function SiteHeader() {
  return (
    <header className="border-b border-zinc-200 dark:border-zinc-800">
      <nav aria-label="Site" className="mx-auto flex max-w-4xl items-center justify-between px-4 py-3">
        {/* eslint-disable-next-line @next/next/no-html-link-for-pages -- a full load: pages are cached documents, and no page pays for the client router's link and prefetches */}
        <a href="/" className="font-semibold tracking-tight">
          Matrix public archive
        </a>
      </nav>
    </header>
  );
}
