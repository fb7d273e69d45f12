// What a gap item says about when its missing messages were sent, from the sent-times of the
// stored messages around it. Minutes are enough between messages far apart; within one minute
// "after 21:35 and before 21:35" says nothing, so the times get their seconds.

function day(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

function clock(ts: number, seconds: boolean): string {
  return new Date(ts).toISOString().slice(11, seconds ? 19 : 16);
}

export function gapSpanText(sinceTs: number | null, untilTs: number | null): string | null {
  if (sinceTs !== null && untilTs !== null) {
    const sameMinute = Math.floor(sinceTs / 60_000) === Math.floor(untilTs / 60_000);
    if (!sameMinute) return `Missing: messages after ${day(sinceTs)} ${clock(sinceTs, false)} UTC and before ${day(untilTs)} ${clock(untilTs, false)} UTC.`;
    const since = clock(sinceTs, true);
    const until = clock(untilTs, true);
    // Equal to the second: sent in the same second as their neighbours (or clocks that disagree).
    if (since === until) return `Missing: a few messages around ${day(sinceTs)} ${clock(sinceTs, false)} UTC.`;
    return `Missing: messages sent between ${day(sinceTs)} ${since} and ${until} UTC.`;
  }
  if (untilTs !== null) return `Missing: messages before ${day(untilTs)} ${clock(untilTs, false)} UTC.`;
  if (sinceTs !== null) return `Missing: messages after ${day(sinceTs)} ${clock(sinceTs, false)} UTC.`;
  return null;
}
