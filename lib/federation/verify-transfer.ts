import { cloneJson, type JsonObject } from "@/lib/matrix/json-value";
import { redactEvent } from "@/lib/matrix/redaction";
import { findRoomVersion } from "@/lib/matrix/room-versions";
import type { VerifyOutcome } from "@/lib/matrix/verify-many";

// What crosses between the ingest's thread and a verification worker (verify-pool.ts).
//
// PDUs go as one JSON text per share, not as objects: a structured clone turns a JsonNumber
// (a v1–v5 big integer or float) into a plain object the worker would encode differently, and
// a text is one copy. Only PDUs JSON.parse gives back exactly are sent; the others stay on
// the ingest's thread. Verdicts come back without the PDU: the ingest's thread copies (or
// redacts) its own, as verifyPdu would, instead of receiving a clone of the worker's.

/**
 * True when JSON.parse(JSON.stringify(value)) is a deep copy of `value`: plain objects and
 * arrays without `undefined`, strings (lone surrogates survive as escapes), booleans, null and
 * safe integers other than −0. Anything else (JsonNumber, −0, other numbers, class instances)
 * says false.
 */
export function sendsAsText(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isSafeInteger(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!sendsAsText(value[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const item = record[key];
        if (item === undefined || !sendsAsText(item)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** A verdict as a worker sends it: an accepted one without its PDU. */
export type SentOutcome = Exclude<VerifyOutcome, { status: "accepted" }> | { status: "accepted"; eventId: string; redacted: boolean };

export function toSent(outcome: VerifyOutcome): SentOutcome {
  return outcome.status === "accepted" ? { status: "accepted", eventId: outcome.eventId, redacted: outcome.redacted } : outcome;
}

/** The outcome verifyPdu gives on the ingest's thread, from a worker's verdict on a copy of `pdu`. */
export function fromSent(sent: SentOutcome, pdu: JsonObject, roomVersion: string): VerifyOutcome {
  if (sent.status !== "accepted") return sent;
  // An accepted PDU's room version is a known one: verifyPdu drops any other.
  const copy = sent.redacted ? redactEvent(pdu, findRoomVersion(roomVersion)!) : cloneJson(pdu);
  return { status: "accepted", eventId: sent.eventId, pdu: copy, redacted: sent.redacted };
}
