/**
 * Drops the `> <@user> quoted` fallback lines a rich reply's plain body starts with (CS API
 * "Fallbacks for rich replies"): what the reader wrote is what follows them.
 */
export function stripReplyFallback(body: string): string {
  const lines = body.split("\n");
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith(">")) i++;
  if (i === 0) return body;
  if (i < lines.length && lines[i] === "") i++;
  return lines.slice(i).join("\n");
}
