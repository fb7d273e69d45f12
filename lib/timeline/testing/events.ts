import type { Db } from "@/lib/db";
import type { RedactFn, TimelineEventInput } from "@/lib/timeline/types";

// Test-side builders: events with just enough PDU to observe redaction, and a reader of the
// whole timeline of a room, the shape every invariant check works on.

export interface EventSpec {
  id: string;
  prevs?: string[];
  depth?: number;
  ts?: number;
  type?: string;
  redacts?: string;
  body?: string;
}

export function makeEvent(roomId: string, spec: EventSpec): TimelineEventInput {
  const type = spec.type ?? (spec.redacts ? "m.room.redaction" : "m.room.message");
  const content = spec.redacts ? { redacts: spec.redacts } : { body: spec.body ?? `message ${spec.id}` };
  return {
    eventId: spec.id,
    roomId,
    type,
    stateKey: null,
    sender: "@alice:example.org",
    originServerTs: BigInt(spec.ts ?? 1_700_000_000_000),
    depth: BigInt(spec.depth ?? 1),
    prevEvents: spec.prevs ?? [],
    authEvents: [],
    pdu: JSON.stringify({ event_id: spec.id, type, content }),
    redacted: false,
    redacts: spec.redacts ?? null,
  };
}

/** Stands in for lib/matrix/redaction: the timeline only needs *a* per-version redacted copy. */
export const testRedact: RedactFn = (pduJson, roomVersion) => {
  const pdu = JSON.parse(pduJson) as Record<string, unknown>;
  return JSON.stringify({ ...pdu, content: {}, redacted_for_version: roomVersion });
};

export async function createRoom(db: Db, roomId: string, roomVersion = "11"): Promise<void> {
  await db.room.create({ data: { roomId, roomVersion } });
}

export interface ItemView {
  id: bigint;
  position: bigint;
  kind: string;
  eventId: string | null;
  missing: string[];
  tips: string[];
  deniedEventId: string | null;
}

export async function readTimeline(db: Db, roomId: string): Promise<ItemView[]> {
  const rows = await db.timelineItem.findMany({ where: { roomId }, orderBy: { position: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    position: r.position,
    kind: r.kind,
    eventId: r.eventId,
    missing: r.missingPrevEvents,
    tips: r.unknownSuccessorsOf,
    deniedEventId: r.deniedEventId,
  }));
}

/** A compact picture of the timeline: event IDs, `[gap missing|tips]`, `{denied X}`. */
export function describe(items: readonly ItemView[]): string {
  return items
    .map((i) => (i.kind === "event" ? i.eventId : i.kind === "gap" ? `[gap ${i.missing.join(",")}|${i.tips.join(",")}]` : `{denied ${i.deniedEventId}}`))
    .join(" ");
}
