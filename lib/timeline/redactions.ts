import type { Tx } from "@/lib/timeline/db-types";
import { forgetMediaRefs } from "@/lib/timeline/media-refs";
import { unindexForSearch } from "@/lib/timeline/search-index";
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
export function storedForms(
  roomVersion: string,
  sorted: readonly TimelineEventInput[],
  /** Stored, placed redactions naming batch events, in timeline order (read with the batch's context). */
  stored: readonly { eventId: string; redacts: string; redactsAny: boolean; sender: string }[],
  redact: RedactFn,
): Map<string, StoredForm> {
  const senderOf = new Map(sorted.map((e) => [e.eventId, e.sender]));
  const redactor = new Map<string, string>();
  for (const r of stored) {
    if (!senderOf.has(r.redacts)) continue;
    if (!redactor.has(r.redacts) && mayApply(r.redactsAny, r.sender, senderOf.get(r.redacts))) redactor.set(r.redacts, r.eventId);
  }
  for (const e of sorted) {
    if (e.redacts !== null && !redactor.has(e.redacts) && mayApply(e.redactsAny ?? true, e.sender, senderOf.get(e.redacts))) redactor.set(e.redacts, e.eventId);
  }
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
  const byTarget = new Map<string, TimelineEventInput[]>();
  for (const e of sorted) {
    if (e.redacts !== null && !inBatch.has(e.redacts)) byTarget.set(e.redacts, [...(byTarget.get(e.redacts) ?? []), e]);
  }
  if (byTarget.size === 0) return;
  const targets = await tx.$queryRaw<{ event_id: string; pdu: string; redacted: boolean; sender: string }[]>`
    SELECT event_id, pdu, redacted, sender FROM events
    WHERE event_id = ANY(${[...byTarget.keys()]}::text[]) AND room_id || '' = ${roomId} AND redacted_by IS NULL`;
  const redacted: string[] = [];
  for (const t of targets) {
    const by = byTarget.get(t.event_id)!.find((r) => mayApply(r.redactsAny ?? true, r.sender, t.sender));
    if (!by) continue;
    const pdu = t.redacted ? t.pdu : redact(t.pdu, roomVersion);
    await tx.$executeRaw`
      UPDATE events SET pdu = ${pdu}, redacted = true, redacted_by = ${by.eventId}
      WHERE event_id = ${t.event_id}`;
    redacted.push(t.event_id);
  }
  await unindexForSearch(tx, redacted);
  await forgetMediaRefs(tx, redacted);
}

/** The server part of a user ID (after the first colon), which is what the redaction rules compare. */
function serverOf(userId: string): string {
  return userId.slice(userId.indexOf(":") + 1);
}

/**
 * Whether a redaction applies to a target: a sender with the power to redact others' events
 * redacts anything; otherwise only events sent from the sender's own server. An unknown target
 * (not stored yet) is decided when it arrives.
 */
function mayApply(redactsAny: boolean, redactor: string, targetSender: string | undefined): boolean {
  return redactsAny || targetSender === undefined || serverOf(redactor) === serverOf(targetSender);
}
