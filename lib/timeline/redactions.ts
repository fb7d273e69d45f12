import type { Tx } from "@/lib/timeline/db-types";
import type { RedactFn, TimelineEventInput } from "@/lib/timeline/types";

export interface StoredForm {
  pdu: string;
  redacted: boolean;
  redactedBy: string | null;
}

/**
 * How each batch event is stored: redacted when a redaction naming it is already stored or
 * arrives in the same batch (the first one in timeline order wins), so a target that arrives
 * after its redaction never shows its content.
 */
export async function storedForms(
  tx: Tx,
  roomId: string,
  roomVersion: string,
  sorted: readonly TimelineEventInput[],
  redact: RedactFn,
): Promise<Map<string, StoredForm>> {
  const ids = sorted.map((e) => e.eventId);
  const redactor = new Map<string, string>();
  const stored = await tx.$queryRaw<{ event_id: string; redacts: string }[]>`
    SELECT e.event_id, e.redacts FROM events e JOIN timeline_items i ON i.event_id = e.event_id
    WHERE e.redacts = ANY(${ids}::text[]) AND e.room_id || '' = ${roomId} ORDER BY i.position`;
  for (const r of stored) if (!redactor.has(r.redacts)) redactor.set(r.redacts, r.event_id);
  for (const e of sorted) if (e.redacts !== null && !redactor.has(e.redacts)) redactor.set(e.redacts, e.eventId);
  const forms = new Map<string, StoredForm>();
  for (const e of sorted) {
    const by = redactor.get(e.eventId) ?? null;
    forms.set(e.eventId, {
      pdu: by !== null && !e.redacted ? redact(e.pdu, roomVersion) : e.pdu,
      redacted: e.redacted || by !== null,
      redactedBy: by,
    });
  }
  return forms;
}

/**
 * Redacts, in place, the stored events that batch redactions name. The event keeps its item
 * and position; only its stored PDU becomes the redacted copy (invariant 6).
 */
export async function redactStoredTargets(tx: Tx, roomId: string, roomVersion: string, sorted: readonly TimelineEventInput[], redact: RedactFn): Promise<void> {
  const inBatch = new Set(sorted.map((e) => e.eventId));
  const byTarget = new Map<string, string>();
  for (const e of sorted) {
    if (e.redacts !== null && !inBatch.has(e.redacts) && !byTarget.has(e.redacts)) byTarget.set(e.redacts, e.eventId);
  }
  if (byTarget.size === 0) return;
  const targets = await tx.$queryRaw<{ event_id: string; pdu: string; redacted: boolean }[]>`
    SELECT event_id, pdu, redacted FROM events
    WHERE event_id = ANY(${[...byTarget.keys()]}::text[]) AND room_id || '' = ${roomId} AND redacted_by IS NULL`;
  for (const t of targets) {
    const pdu = t.redacted ? t.pdu : redact(t.pdu, roomVersion);
    await tx.$executeRaw`
      UPDATE events SET pdu = ${pdu}, redacted = true, redacted_by = ${byTarget.get(t.event_id)!}
      WHERE event_id = ${t.event_id}`;
  }
}
