import { LocalTime } from "@/components/day/local-time";

export function UtcTime({ ts, href }: { ts: number; href?: string }) {
  const iso = new Date(ts).toISOString();
  const label = `${iso.slice(11, 16)} UTC`;
  return (
    <span className="whitespace-nowrap text-xs text-zinc-500 dark:text-zinc-400">
      <time dateTime={iso} title={iso.replace("T", " ").slice(0, 19) + " UTC"}>
        {href ? (
          <a href={href} className="hover:underline">
            {label}
          </a>
        ) : (
          label
        )}
      </time>
      <LocalTime ts={ts} />
    </span>
  );
}
