/**
 * Made-up but readable chatter for the demo's week: lines put together from a small phrase book,
 * from a fixed pseudo-random sequence (every run tells the same story). A speaker often says two
 * or three things in a row, so the day pages show grouped messages.
 */

export interface Line {
  /** Index into the day's speakers. */
  speaker: number;
  body: string;
}

const OPENERS = ["", "", "", "Honestly, ", "I think ", "Quick note: ", "By the way, ", "Hm, ", "Agreed, and ", "Not sure, but "];
const SUBJECTS = [
  "the harbour festival",
  "the pier restoration",
  "the boat parade",
  "the volunteer rota",
  "the food stalls",
  "the fireworks permit",
  "the poster design",
  "the ticket desk",
  "the sound system",
  "the rain plan",
  "the raffle",
  "the map of the quay",
];
const PREDICATES = [
  "needs one more volunteer",
  "is on track for Saturday",
  "could use a second look",
  "is done, finally",
  "got a lot of questions today",
  "depends on the weather",
  "is cheaper than last year",
  "should be on the website",
  "has a new owner",
  "moves to the north pier",
  "was approved by the council",
  "is still waiting for a reply",
];
const CLOSERS = ["", "", "", " 🙂", "!", " — thoughts?", ", see the notes.", " Let's vote on it.", " I can help.", " More tomorrow."];
const SHORT = ["+1", "Sounds good.", "Thanks!", "On it.", "Same here.", "Good point.", "Ha, yes.", "I'll check.", "Noted.", "👍"];

/** A fixed linear congruential sequence in [0, 1). */
function sequence(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/**
 * `count` lines among `speakers` speakers. `mentions` are extra lines (such as one naming a
 * searchable word) mixed in at fixed places.
 */
export function chatter(seed: number, speakers: number, count: number, mentions: readonly string[] = []): Line[] {
  const random = sequence(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const lines: Line[] = [];
  // Mention k goes in the middle of the k-th equal share of the lines.
  const mentionAt = new Map(mentions.map((m, k) => [Math.floor(((k + 0.5) * count) / mentions.length), m]));
  let speaker = 0;
  for (let i = 0; i < count; i++) {
    // Mostly a new speaker; sometimes the same one carries on.
    if (i > 0 && random() < 0.6) speaker = (speaker + 1 + Math.floor(random() * Math.max(1, speakers - 1))) % speakers;
    const body =
      mentionAt.get(i) ??
      (random() < 0.2 ? pick(SHORT) : `${pick(OPENERS)}${pick(SUBJECTS)} ${pick(PREDICATES)}${pick(CLOSERS)}`.replace(/^./, (c) => c.toUpperCase()));
    lines.push({ speaker, body });
  }
  return lines;
}
