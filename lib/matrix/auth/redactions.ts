import { InvalidPowerLevel, PowerLevels } from "@/lib/matrix/auth/power-levels";
import { domainOf } from "@/lib/matrix/auth/state-access";
import type { AuthEvent, AuthState } from "@/lib/matrix/auth/types";
import type { RoomVersion } from "@/lib/matrix/room-versions";

/**
 * Whether a redaction that passed the auth rules is to be APPLIED to its target (it is stored
 * either way). `state` is the auth state of the redaction (the state it was authorized against);
 * `target` the redacted event, or undefined while it has not arrived.
 *
 * - v1–v2: auth rule 11 already decided it: the sender has the redact level, or the target's
 *   event ID is on the redaction's event ID's server. The same test is repeated here, so the
 *   answer does not depend on whether the caller kept the auth result; the target need not be
 *   known (v1/v2 event IDs carry their server).
 * - v3+ (FR/v3-handling-redactions): once both events are known, apply when the redaction's
 *   sender has the redact level (v12: creators always) or is on the same server as the target's
 *   sender. With `target` undefined the answer is for any target: true only when the sender has
 *   the redact level (the spec applies a redaction only once both events are known; the caller
 *   holds it until then and asks again with the target).
 *
 * The caller checks that the target is in the same room. An invalid `redact` level (v1–v9
 * stringy garbage) counts as not reached.
 */
export function mayRedact(redaction: AuthEvent, target: { readonly sender: string } | undefined, state: AuthState, roomVersion: RoomVersion): boolean {
  if (roomVersion.redactionAuthRule) {
    if (redaction.redacts !== undefined && domainOf(redaction.redacts) === domainOf(redaction.eventId)) return true;
  } else {
    if (target && domainOf(redaction.sender) === domainOf(target.sender)) return true;
  }
  return hasRedactLevel(redaction.sender, state, roomVersion);
}

/** The sender's power level reaches the redact level (default 50) in `state`. */
function hasRedactLevel(sender: string, state: AuthState, roomVersion: RoomVersion): boolean {
  const levels = new PowerLevels(state, roomVersion);
  try {
    return levels.userLevel(sender, "redact") >= levels.redact("redact");
  } catch (error) {
    if (error instanceof InvalidPowerLevel) return false;
    throw error;
  }
}
