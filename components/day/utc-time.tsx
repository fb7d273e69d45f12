/**
 * A time as "HH:MM UTC" (the same for every reader, and all a reader without JS gets), a
 * permalink when `href` is given. The reader's own clock time is added by the page's one
 * LocalTimes island (components/day/local-times.tsx), not by an island per time.
 */
export function UtcTime({ ts, href }: { ts: number; href?: string }) {
  const iso = new Date(ts).toISOString();
  const label = `${iso.slice(11, 16)} UTC`;
  // To the minute, as shown ("2026-11-25T04:57Z" is a valid datetime and Date parses it).
  const dateTime = `${iso.slice(0, 16)}Z`;
  const time = <time dateTime={dateTime}>{label}</time>;
  // A linked time is the link itself (one element less per message than a link in a span).
  return href ? (
    <a className="ts" href={href}>
      {time}
    </a>
  ) : (
    <span className="ts">{time}</span>
  );
}
