import type { Db } from "@/lib/db";
import { authEventTypes } from "@/lib/matrix/auth/auth-events";
import { stateKeyOf } from "@/lib/matrix/auth/types";
import { computeEventId } from "@/lib/matrix/event-id";
import type { JsonObject, JsonValue } from "@/lib/matrix/json-value";
import { getRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";
import { signEvent } from "@/lib/matrix/sign-event";
import { generateSigningKey, type SigningKey } from "@/lib/matrix/signing-key";
import { toAuthEvent } from "@/lib/ingest/known-events";

/**
 * Real signed PDUs of one room for tests of the ingest pipeline: every event hashed and signed
 * by its sender's server with a key of its own, its auth events chosen by the spec's selection
 * algorithm from the builder's view of the state, its prev_events the builder's tips unless
 * given. `trustKeys(db)` puts the servers' keys in the database's key cache so the pipeline
 * verifies the events without any network.
 *
 *   const room = new RoomBuilder("10", ["hs1.test", "hs2.test"]);
 *   const create = room.create("@alice:hs1.test");
 *   room.join("@alice:hs1.test");
 *   room.state("m.room.power_levels", "", { users: { "@alice:hs1.test": 100 } }, "@alice:hs1.test");
 *   const forged = room.event({ type: "m.room.name", stateKey: "", sender: "@eve:evil.test", content: { name: "x" }, prevEvents: [create] });
 */
export class RoomBuilder {
  readonly version: RoomVersion;
  readonly keys = new Map<string, SigningKey>();
  /** Every event built, by ID, as sent. */
  readonly pdus = new Map<string, JsonObject>();
  /** The builder's view of the room state (key → event ID), as its events moved it. */
  readonly current = new Map<string, string>();
  roomId = "";
  private tips: string[] = [];
  private depth = 0;
  private clock = 1_700_000_000_000;
  private counter = 0;

  constructor(
    version: string,
    servers: readonly string[],
    private readonly roomServer = servers[0]!,
  ) {
    this.version = getRoomVersion(version);
    for (const s of servers) this.keys.set(s, generateSigningKey());
  }

  private keyOf(server: string): SigningKey {
    let key = this.keys.get(server);
    if (!key) {
      key = generateSigningKey();
      this.keys.set(server, key);
    }
    return key;
  }

  /** Stores every server's verify key in the database's key cache, valid for a year. */
  async trustKeys(db: Db): Promise<void> {
    for (const [serverName, key] of this.keys) {
      await db.serverKey.upsert({
        where: { serverName_keyId: { serverName, keyId: key.keyId } },
        create: { serverName, keyId: key.keyId, publicKey: key.publicKey, validUntilTs: BigInt(Date.now() + 365 * 86_400_000) },
        update: {},
      });
    }
  }

  create(sender: string, content: JsonObject = {}): string {
    const full: JsonObject = { room_version: this.version.id, ...(this.version.createHasCreator ? { creator: sender } : {}), ...content };
    const id = this.event({ type: "m.room.create", stateKey: "", sender, content: full, prevEvents: [] });
    if (this.version.roomIdFromCreateEvent) this.roomId = `!${id.slice(1)}`;
    return id;
  }

  join(userId: string, extra: JsonObject = {}): string {
    return this.state("m.room.member", userId, { membership: "join", ...extra }, userId);
  }

  state(
    type: string,
    stateKey: string,
    content: JsonObject,
    sender: string,
    options: { prevEvents?: string[]; authEvents?: string[]; ts?: number } = {},
  ): string {
    return this.event({ type, stateKey, sender, content, ...options });
  }

  message(sender: string, body: string, options: { prevEvents?: string[]; ts?: number } = {}): string {
    return this.event({ type: "m.room.message", sender, content: { msgtype: "m.text", body }, ...options });
  }

  /**
   * Builds, signs and records an event. `authEvents` defaults to the selection algorithm over
   * the builder's state; `prevEvents` to the current tips. The builder's state and tips move
   * only when `advance` is not false (a forged event sent from a side branch leaves them).
   */
  event(e: {
    type: string;
    stateKey?: string;
    sender: string;
    content: JsonObject;
    prevEvents?: string[];
    authEvents?: string[];
    depth?: number;
    ts?: number;
    redacts?: string;
    advance?: boolean;
    /** Fields to put on the PDU as they are (hostile tests). */
    extra?: JsonObject;
  }): string {
    const senderServer = e.sender.slice(e.sender.indexOf(":") + 1);
    if (!this.roomId && !this.version.roomIdFromCreateEvent) this.roomId = `!room${Math.random().toString(36).slice(2, 8)}:${this.roomServer}`;
    const prevEvents = e.prevEvents ?? this.tips;
    const depth = e.depth ?? Math.max(0, ...prevEvents.map((p) => Number(this.pdus.get(p)?.depth ?? 0))) + 1;
    this.clock += 1000;
    const draft: JsonObject = {
      type: e.type,
      sender: e.sender,
      content: e.content,
      origin_server_ts: e.ts ?? this.clock,
      depth,
      prev_events: [],
      auth_events: [],
      origin: senderServer,
      ...(e.stateKey !== undefined ? { state_key: e.stateKey } : {}),
      ...(this.roomId ? { room_id: this.roomId } : {}),
    };
    if (e.redacts !== undefined) {
      if (this.version.redactsInContent) draft.content = { ...e.content, redacts: e.redacts };
      else draft.redacts = e.redacts;
    }
    const authEvents = e.authEvents ?? this.selectAuthEvents(draft);
    const ref = (id: string): JsonValue => (this.version.eventIdFormat === "explicit" ? [id, { sha256: "" }] : id);
    draft.prev_events = prevEvents.map(ref);
    draft.auth_events = authEvents.map(ref);
    if (this.version.eventIdFormat === "explicit") draft.event_id = `$e${++this.counter}x${Math.random().toString(36).slice(2, 8)}:${senderServer}`;
    Object.assign(draft, e.extra ?? {});
    const signed = signEvent(draft, this.version, senderServer, this.keyOf(senderServer));
    const id = computeEventId(signed, this.version);
    this.pdus.set(id, signed);
    if (e.advance !== false) {
      if (e.stateKey !== undefined) this.current.set(stateKeyOf(e.type, e.stateKey), id);
      this.tips = [id];
    }
    return id;
  }

  private selectAuthEvents(draft: JsonObject): string[] {
    const event = toAuthEvent("$draft", draft, this.version);
    const ids = authEventTypes(event, this.version)
      .map((key) => this.current.get(key))
      .filter((id): id is string => id !== undefined);
    // v12: the create event is never an auth event.
    const createId = this.current.get(stateKeyOf("m.room.create", ""));
    return this.version.roomIdFromCreateEvent ? ids.filter((id) => id !== createId) : ids;
  }

  /** Auth events for a non-membership event of `sender` as if `powerLevelsId` were the power levels (a stale or chosen citation). */
  authIdsAt(sender: string, powerLevelsId: string): string[] {
    const create = this.current.get(stateKeyOf("m.room.create", ""));
    const member = this.current.get(stateKeyOf("m.room.member", sender));
    return [...(create && !this.version.roomIdFromCreateEvent ? [create] : []), powerLevelsId, ...(member ? [member] : [])];
  }

  pdu(id: string): JsonObject {
    const p = this.pdus.get(id);
    if (!p) throw new Error(`no event ${id}`);
    return p;
  }

  pduList(ids: readonly string[]): JsonObject[] {
    return ids.map((id) => this.pdu(id));
  }

  /** The builder's current state as event IDs. */
  stateIds(): string[] {
    return [...this.current.values()];
  }

  /** Moves the tips (to build a fork). */
  setTips(ids: string[]): void {
    this.tips = [...ids];
  }

  currentTips(): string[] {
    return [...this.tips];
  }
}
