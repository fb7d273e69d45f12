import type { Refusal } from "@/lib/archive/reader-limits";

// The page a reader (or a crawler) gets past a limit on work that causes federation traffic
// (docs/limits.md): 429, what happened, when to try again, Retry-After, never cached.

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `what`: what the reader asked for too much of ("days", "missing messages"); `back`: a link back, when there is one. */
export function tooManyRequestsPage(refusal: Refusal, what: string, back?: string): Response {
  const why =
    refusal.reason === "client"
      ? `You asked for many ${what} that the archive has to fetch from other Matrix servers first, in a short time.`
      : "The archive is fetching as much history from other Matrix servers as it may at once.";
  const link = back ? `<p><a href="${escapeHtml(back)}">Back to the day</a></p>` : "";
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Too many requests</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5"><h1>Too many requests</h1><p>${escapeHtml(why)}</p><p>Please try again in ${refusal.retryAfterSeconds} seconds.</p>${link}</body></html>`;
  return new Response(html, {
    status: 429,
    headers: { "content-type": "text/html; charset=utf-8", "retry-after": String(refusal.retryAfterSeconds), "cache-control": "no-store" },
  });
}
