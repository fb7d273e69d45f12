// Next.js's router decodes a request's path before any route of the archive runs, and a path
// that is not valid percent-encoding (`%`, `%zz`, the bytes of a lone surrogate) makes it fail
// with a plain-text 500. The front server (lib/front/server.ts) answers such a request itself,
// before Next.js sees it: 400, in the error shape of the API the path belongs to.

export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Bad request</title></head>
<body><h1>Bad request</h1><p>This address is not valid: it has a malformed percent-escape.</p><p><a href="/">Go to the archive's front page</a></p></body></html>
`;

/** The path of a request target (what comes before `?` or `#`). */
function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** A 400 for a request target whose path does not percent-decode, or null when it does. */
export function undecodablePathResponse(target: string): PlainResponse | null {
  const path = pathOf(target);
  if (decodes(path)) return null;
  if (path === "/_matrix" || path.startsWith("/_matrix/")) {
    return {
      status: 400,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
      body: JSON.stringify({ errcode: "M_UNRECOGNIZED", error: "The request path is not valid percent-encoding" }),
    };
  }
  return { status: 400, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }, body: PAGE };
}
