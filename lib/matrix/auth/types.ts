import type { JsonObject } from "@/lib/matrix/json-value";

/**
 * The shape of an event that the authorization rules and state resolution read: the fields of
 * a verified PDU they need, already parsed. `content` is the stored form (the redacted copy when
 * the content hash failed or a redaction applied: the redaction algorithm keeps every key the
 * auth rules read, which is why this is safe).
 *
 * Numbers: `originServerTs` and `depth` as JS numbers (v1–v5 depths beyond 2^53 lose precision,
 * which only affects tie-breaks of state resolution v1 between events of equal rounded depth).
 * Power levels inside `content` may be numbers, numeric strings (v1–v9) or JsonNumber literals
 * (v1–v5 floats); the rules parse them per room version.
 */
export interface AuthEvent {
  readonly eventId: string;
  /** Absent on a v12 `m.room.create`. */
  readonly roomId: string | undefined;
  readonly type: string;
  /** Absent on a non-state event; `""` is a state key. */
  readonly stateKey: string | undefined;
  readonly sender: string;
  readonly originServerTs: number;
  readonly depth: number;
  readonly content: JsonObject;
  readonly prevEvents: readonly string[];
  readonly authEvents: readonly string[];
  /** For `m.room.redaction`: the target, wherever the room version keeps it. */
  readonly redacts: string | undefined;
}

/** A (type, state key) pair as one string: `${type}\u0000${stateKey}` (see stateKeyOf). */
export type StateKey = string;

/** A room state: which event holds each (type, state key). */
export type StateMap = ReadonlyMap<StateKey, string>;

export function stateKeyOf(type: string, stateKey: string): StateKey {
  return `${type}\u0000${stateKey}`;
}

export function splitStateKey(key: StateKey): [type: string, stateKey: string] {
  const at = key.indexOf("\u0000");
  return [key.slice(0, at), key.slice(at + 1)];
}

/** The state an auth check runs against: the events themselves, keyed by (type, state key). */
export type AuthState = ReadonlyMap<StateKey, AuthEvent>;

/**
 * Outcome of an authorization check. `rule` names the rule that refused the event, in the
 * numbering of the room version's auth rules section of the spec (for example "4.2.1" or
 * "10.3"), so logs and per-PDU errors say exactly why.
 */
export type AuthResult = { readonly allowed: true } | { readonly allowed: false; readonly rule: string; readonly reason: string };

/** Synchronous event lookup: callers load every event that may be read before calling. */
export type EventLookup = (eventId: string) => AuthEvent | undefined;
