// Plain-text bodies carry bare URLs; readers expect them clickable. Only http(s) URLs become
// links (the same rule as for HTML), and trailing punctuation stays text.

export type TextSegment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"»”’]+$/;

export function linkify(text: string): TextSegment[] {
  const out: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trail = TRAILING.exec(url)?.[0] ?? "";
    // A closing bracket that has its opening one inside the URL belongs to it (Wikipedia links).
    const keep = trail.startsWith(")") && url.includes("(") ? 1 : 0;
    url = url.slice(0, url.length - trail.length + keep);
    const start = match.index;
    let href: string | undefined;
    try {
      href = new URL(url).toString();
    } catch {
      href = undefined;
    }
    if (!href) continue;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    out.push({ kind: "link", text: url, href });
    last = start + url.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}
