// Position keys are signed 64-bit integers with room between neighbours, renumbered locally
// when a spot runs out of room (order maintenance). A key is always 8 bytes, whatever the
// insertion pattern, whereas fractional keys grow by about a character per batch when a
// backfill keeps walking into one gap (docs/timeline.md, "Positions and renumbering").

/** Keys stay within ±2^60 so that `lo + rank * step` can never overflow a BIGINT in SQL. */
export const MIN_POS = -(2n ** 60n);
export const MAX_POS = 2n ** 60n;
/** Spacing of live appends: room for 2^36 appends, and for many fills between any two. */
export const APPEND_STEP = 2n ** 24n;
/** Largest spacing inside a fill, so a long backfill consumes a gap linearly, not by halving. */
export const FILL_STEP = 2n ** 12n;
/** Below this spacing a slot is renumbered instead of packed tighter. */
export const MIN_STEP = 16n;
/** Renumbering parks a window here first: below every real key, so the unique index holds. */
export const TEMP_BASE = -(2n ** 62n);

/** Where a batch sits inside the free space of its slot, leaving room where the next fill comes. */
export type Pack = "early" | "late" | "middle";

/**
 * Positions for `m` items strictly between `lo` and `hi` (null: the room's start or end), or
 * null when the slot has no room at MIN_STEP spacing and must be renumbered first.
 */
export function placeInSlot(lo: bigint | null, hi: bigint | null, m: number, pack: Pack): bigint[] | null {
  const n = BigInt(m);
  const at = (f: (i: bigint) => bigint) => Array.from({ length: m }, (_, i) => f(BigInt(i)));
  if (lo === null && hi === null) return at((i) => i * APPEND_STEP);
  if (hi === null) {
    const base = lo as bigint;
    return base + n * APPEND_STEP > MAX_POS ? null : at((i) => base + (i + 1n) * APPEND_STEP);
  }
  if (lo === null) {
    return hi - n * APPEND_STEP < MIN_POS ? null : at((i) => hi - (n - i) * APPEND_STEP);
  }
  const free = hi - lo;
  let step = free / (2n * n + 2n);
  if (step > FILL_STEP) step = FILL_STEP;
  if (step < MIN_STEP) return null;
  if (pack === "late") return at((i) => hi - (n - i) * step);
  if (pack === "early") return at((i) => lo + (i + 1n) * step);
  const offset = (free - step * (n - 1n)) / 2n;
  return at((i) => lo + offset + i * step);
}

export interface RenumberWindow {
  /** Exclusive bounds: the first item outside the window on each side, or a sentinel past MIN/MAX_POS. */
  lo: bigint;
  hi: bigint;
  /** Items in the window before and after the spot. */
  before: number;
  after: number;
  /** Items about to be inserted at the spot. */
  incoming: number;
}

export interface RenumberLayout {
  step: bigint;
  /** Extra room at the spot, between the window's last item before it and first item after it. */
  spotExtra: bigint;
}

/**
 * Accepts a window when at least half of its span stays free after reserving FILL_STEP for
 * every interval and the incoming items; the free half is shared: half spread evenly (so the
 * neighbours keep room), half given to the spot (so the next batches at the same spot do not
 * renumber again). Each renumbering at a hot spot therefore buys room for as many items as
 * the window held, which keeps the amortized cost per insert constant for the backfill pattern.
 */
export function renumberLayout(w: RenumberWindow): RenumberLayout | null {
  const intervals = BigInt(w.before + w.after + 1);
  const reserve = 2n * BigInt(w.incoming + 1) * FILL_STEP;
  const span = w.hi - w.lo;
  const need = intervals * FILL_STEP + reserve;
  if (span < 2n * need) return null;
  const step = FILL_STEP + (span - need) / 2n / intervals;
  return { step, spotExtra: span - intervals * step };
}

/** New position of the window item of 1-based rank `rank` under `layout` (mirrors the SQL). */
export function renumberedPosition(w: RenumberWindow, layout: RenumberLayout, rank: number): bigint {
  const base = w.lo + BigInt(rank) * layout.step;
  return rank <= w.before ? base : base + layout.spotExtra;
}
