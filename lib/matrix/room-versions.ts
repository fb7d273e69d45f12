import type { CanonicalJsonMode } from "@/lib/matrix/canonical-json";
import { MatrixProtocolError } from "@/lib/matrix/errors";

/**
 * What the protocol core needs to know about each room version (content/rooms/_index.md and
 * RV/v1…v12). Version strings are opaque (`[a-z0-9.-]`, ≤ 32 code points): look them up, never
 * compare them as numbers.
 */
export interface RoomVersion {
  readonly id: string;
  /** v1/v2: `event_id` in the PDU; v3: standard base64 reference hash; v4+: URL-safe. */
  readonly eventIdFormat: "explicit" | "base64" | "base64url";
  /** Redaction rule set: FR/v1, FR/v6, RV/v8, FR/v9 or FR/v11. */
  readonly redaction: "v1" | "v6" | "v8" | "v9" | "v11";
  /** v6+: events must be strictly canonical (integers in ±(2^53−1), no floats). */
  readonly canonicalJson: CanonicalJsonMode;
  /** Largest allowed `depth`. */
  readonly maxDepth: bigint;
  /** v5+: a key only validates events up to its `valid_until_ts`. */
  readonly enforceKeyValidity: boolean;
  /** v8+: restricted joins, `join_authorised_via_users_server` must sign. */
  readonly restrictedJoins: boolean;
  /** v7+. */
  readonly knocking: boolean;
  /** v10+: power levels must be integers. */
  readonly integerPowerLevels: boolean;
  /** v11+: `redacts` lives in `content`; v1–v10 top level. */
  readonly redactsInContent: boolean;
  /** v11+: `m.room.create` has no `creator`, use `sender`. */
  readonly createHasCreator: boolean;
  /** v12: the room ID is the create event's reference hash; the create event has no `room_id`. */
  readonly roomIdFromCreateEvent: boolean;
  /** v1–v5: `m.room.aliases` has its own auth rule (rule 4); v6 removed it (RV/v6 § Authorisation rules). */
  readonly aliasesAuthRule: boolean;
  /** v1–v2: `m.room.redaction` has its own auth rule (rule 11); v3+ apply redactions per FR/v3-handling-redactions. */
  readonly redactionAuthRule: boolean;
  /** v6+: power-level changes check `notifications` like `events` (MSC2209). */
  readonly notificationsPowerLevels: boolean;
  /** v1–v5: float power levels are accepted and truncated (FR/v1-floaty-power-levels). */
  readonly floatPowerLevels: boolean;
  /** v10+: the `knock_restricted` join rule. */
  readonly knockRestricted: boolean;
  /** v12: creators (create `sender` + `additional_creators`) have infinite power and are not in `users`. */
  readonly privilegedCreators: boolean;
  readonly stateResolution: "v1" | "v2" | "v2.1";
}

const MAX_V1_DEPTH = 2n ** 63n - 1n;
const MAX_V6_DEPTH = 2n ** 53n - 1n;

function version(id: string, n: number): RoomVersion {
  return {
    id,
    eventIdFormat: n <= 2 ? "explicit" : n === 3 ? "base64" : "base64url",
    redaction: n <= 5 ? "v1" : n <= 7 ? "v6" : n === 8 ? "v8" : n <= 10 ? "v9" : "v11",
    canonicalJson: n >= 6 ? "strict" : "compat",
    maxDepth: n >= 6 ? MAX_V6_DEPTH : MAX_V1_DEPTH,
    enforceKeyValidity: n >= 5,
    restrictedJoins: n >= 8,
    knocking: n >= 7,
    integerPowerLevels: n >= 10,
    redactsInContent: n >= 11,
    createHasCreator: n <= 10,
    roomIdFromCreateEvent: n >= 12,
    aliasesAuthRule: n <= 5,
    redactionAuthRule: n <= 2,
    notificationsPowerLevels: n >= 6,
    floatPowerLevels: n <= 5,
    knockRestricted: n >= 10,
    privilegedCreators: n >= 12,
    stateResolution: n === 1 ? "v1" : n >= 12 ? "v2.1" : "v2",
  };
}

export const ROOM_VERSIONS: ReadonlyMap<string, RoomVersion> = new Map(
  Array.from({ length: 12 }, (_, i) => {
    const id = String(i + 1);
    return [id, version(id, i + 1)] as const;
  }),
);

/** Every version we implement, for `make_join`'s repeated `ver` parameter. */
export const SUPPORTED_ROOM_VERSIONS: readonly string[] = [...ROOM_VERSIONS.keys()];

/** Per the spec, a room whose create event names no version (and a make_join with none) is "1". */
export const DEFAULT_ROOM_VERSION = "1";

export function findRoomVersion(id: string): RoomVersion | undefined {
  return ROOM_VERSIONS.get(id);
}

export function getRoomVersion(id: string): RoomVersion {
  const found = ROOM_VERSIONS.get(id);
  if (!found) throw new MatrixProtocolError("M_UNSUPPORTED_ROOM_VERSION", `room version ${JSON.stringify(id)} is not supported`);
  return found;
}

export function toRoomVersion(roomVersion: string | RoomVersion): RoomVersion {
  return typeof roomVersion === "string" ? getRoomVersion(roomVersion) : roomVersion;
}
