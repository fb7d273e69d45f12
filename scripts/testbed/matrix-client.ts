import { randomUUID } from "node:crypto";
import { MatrixApiError, jsonRequest } from "./http";
import { waitFor } from "./wait";

/** A client-format event as `/messages` returns it (federation format has more fields). */
export interface MatrixEvent {
  event_id?: string;
  type: string;
  sender: string;
  room_id?: string;
  state_key?: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  /** Present in federation format. */
  prev_events?: string[];
  auth_events?: string[];
  depth?: number;
  hashes?: Record<string, string>;
  signatures?: Record<string, Record<string, string>>;
  [key: string]: unknown;
}

export interface MessagesPage {
  chunk: MatrixEvent[];
  start: string;
  end?: string;
  state?: MatrixEvent[];
}

export interface CreateRoomOptions {
  /** Local part of the alias (`lobby` → `#lobby:<server>`). */
  alias?: string;
  /** Any version the server supports; Synapse 1.163 defaults to 11. */
  roomVersion?: string;
  name?: string;
  topic?: string;
  /** history_visibility world_readable (default true): what the archive may show. */
  worldReadable?: boolean;
  /** Published in the room directory and joinable by anyone (default true). */
  isPublic?: boolean;
  invite?: string[];
  initialState?: { type: string; state_key?: string; content: Record<string, unknown> }[];
  /** Merged into the createRoom body last. */
  extra?: Record<string, unknown>;
}

export interface MessagesOptions {
  dir?: "b" | "f";
  limit?: number;
  from?: string;
  to?: string;
  /** Events with prev_events, auth_events, depth, hashes and signatures, as federation sends them. */
  federationFormat?: boolean;
  /** Extra filter fields merged into the `filter` parameter. */
  filter?: Record<string, unknown>;
}

/** Where a user lives: enough to make client API calls. */
export interface UserHost {
  readonly name: string;
  readonly serverName: string;
  readonly clientUrl: string;
  readonly logFile: string;
}

/** A registered user on one homeserver, with the client API calls tests need. */
export class MatrixUser {
  constructor(
    readonly host: UserHost,
    readonly userId: string,
    readonly accessToken: string,
    readonly deviceId: string | undefined,
    readonly password: string,
  ) {}

  get localpart(): string {
    return this.userId.slice(1, this.userId.indexOf(":"));
  }

  /** An authenticated client API call; `path` starts with `/_matrix/` or `/_synapse/`. */
  request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<T> {
    return jsonRequest<T>({
      url: `${this.host.clientUrl}${path}`,
      method,
      headers: { authorization: `Bearer ${this.accessToken}` },
      body,
      timeoutMs,
    });
  }

  /** Creates a room (public and world_readable unless told otherwise) and returns its ID. */
  async createRoom(opts: CreateRoomOptions = {}): Promise<string> {
    const isPublic = opts.isPublic ?? true;
    const initialState = [...(opts.initialState ?? [])];
    if (opts.worldReadable ?? true) {
      initialState.push({ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "world_readable" } });
    }
    const body: Record<string, unknown> = {
      preset: isPublic ? "public_chat" : "private_chat",
      visibility: isPublic ? "public" : "private",
      initial_state: initialState,
      ...(opts.alias ? { room_alias_name: opts.alias } : {}),
      ...(opts.roomVersion ? { room_version: opts.roomVersion } : {}),
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.topic ? { topic: opts.topic } : {}),
      ...(opts.invite ? { invite: opts.invite } : {}),
      ...opts.extra,
    };
    const res = await this.request<{ room_id: string }>("POST", "/_matrix/client/v3/createRoom", body);
    return res.room_id;
  }

  /**
   * Joins a room by ID or alias. `via` lists servers to join through: needed for a remote room ID
   * (always for v12 rooms, whose IDs name no server).
   */
  async joinRoom(roomIdOrAlias: string, opts: { via?: string[] } = {}): Promise<string> {
    const qs = new URLSearchParams();
    for (const v of opts.via ?? []) qs.append("server_name", v);
    for (const v of opts.via ?? []) qs.append("via", v);
    const query = qs.size ? `?${qs.toString()}` : "";
    const res = await this.request<{ room_id: string }>("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomIdOrAlias)}${query}`, {});
    return res.room_id;
  }

  /** Upgrades a room (Synapse moves its aliases and copies its state); returns the new room's ID. */
  async upgradeRoom(roomId: string, newVersion: string): Promise<string> {
    const res = await this.request<{ replacement_room: string }>("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/upgrade`, {
      new_version: newVersion,
    });
    return res.replacement_room;
  }

  async leaveRoom(roomId: string): Promise<void> {
    await this.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/leave`, {});
  }

  /** Sends any event; with `stateKey` a state event. Returns the event ID. */
  async sendEvent(roomId: string, type: string, content: Record<string, unknown>, opts: { stateKey?: string; txnId?: string } = {}): Promise<string> {
    const room = encodeURIComponent(roomId);
    const path =
      opts.stateKey !== undefined
        ? `/_matrix/client/v3/rooms/${room}/state/${encodeURIComponent(type)}/${encodeURIComponent(opts.stateKey)}`
        : `/_matrix/client/v3/rooms/${room}/send/${encodeURIComponent(type)}/${encodeURIComponent(opts.txnId ?? randomUUID())}`;
    const res = await this.request<{ event_id: string }>("PUT", path, content);
    return res.event_id;
  }

  sendMessage(roomId: string, body: string, extraContent: Record<string, unknown> = {}): Promise<string> {
    return this.sendEvent(roomId, "m.room.message", { msgtype: "m.text", body, ...extraContent });
  }

  /**
   * Sends many text messages with at most `concurrency` requests in flight, and returns their
   * event IDs in the order of `bodies`. With a number, sends `${prefix} 1..n`.
   * Concurrency > 1 (default 8, ~2x faster) makes Synapse create events in parallel: the DAG then
   * forks and merges (events with several prev_events, shared depths) and the order of the bodies
   * follows completion, not input order. Use `concurrency: 1` for a straight line in input order.
   */
  async sendMessages(roomId: string, bodies: readonly string[] | number, opts: { concurrency?: number; prefix?: string } = {}): Promise<string[]> {
    const list = typeof bodies === "number" ? Array.from({ length: bodies }, (_, i) => `${opts.prefix ?? "message"} ${i + 1}`) : bodies;
    const ids: string[] = new Array<string>(list.length);
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const i = next++;
        ids[i] = await this.sendMessage(roomId, list[i] ?? "");
      }
    };
    const concurrency = Math.max(1, Math.min(opts.concurrency ?? 8, list.length));
    await Promise.all(Array.from({ length: concurrency }, worker));
    return ids;
  }

  /** One page of `/messages`. */
  async messages(roomId: string, opts: MessagesOptions = {}): Promise<MessagesPage> {
    const qs = new URLSearchParams({ dir: opts.dir ?? "b", limit: String(opts.limit ?? 100) });
    if (opts.from) qs.set("from", opts.from);
    if (opts.to) qs.set("to", opts.to);
    const filter = { ...(opts.federationFormat ? { event_format: "federation" } : {}), ...opts.filter };
    if (Object.keys(filter).length) qs.set("filter", JSON.stringify(filter));
    return this.request<MessagesPage>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${qs.toString()}`);
  }

  /**
   * The room's timeline as this server has it, oldest first, paging backwards from the end
   * (at most `maxEvents`). Note: paging back on a server with a hole makes Synapse backfill it.
   */
  async timeline(roomId: string, opts: { federationFormat?: boolean; maxEvents?: number } = {}): Promise<MatrixEvent[]> {
    const max = opts.maxEvents ?? 10_000;
    const out: MatrixEvent[] = [];
    let from: string | undefined;
    for (let page = 0; page < Math.ceil(max / 100) + 1 && out.length < max; page++) {
      const res = await this.messages(roomId, { dir: "b", limit: 100, from, federationFormat: opts.federationFormat });
      out.push(...res.chunk);
      if (!res.end || res.chunk.length === 0) break;
      from = res.end;
    }
    return out.slice(0, max).reverse();
  }

  /** Text bodies of the room's m.room.message events, oldest first. */
  async messageBodies(roomId: string): Promise<string[]> {
    const events = await this.timeline(roomId);
    return events.filter((e) => e.type === "m.room.message").map((e) => String(e.content.body));
  }

  /**
   * One event from this server's own store, or undefined when it does not hold it. Unlike
   * `/messages`, this never makes Synapse fetch from other servers, so it can observe a gap.
   */
  /** Redacts an event; returns the redaction's event ID. */
  async redact(roomId: string, eventId: string, reason?: string): Promise<string> {
    const res = await this.request<{ event_id: string }>(
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/${randomUUID()}`,
      reason ? { reason } : {},
    );
    return res.event_id;
  }

  /** Uploads a file to this user's homeserver's media store; returns its mxc:// URI. */
  async uploadMedia(bytes: Buffer, contentType: string, filename: string): Promise<string> {
    const res = await jsonRequest<{ content_uri: string }>({
      url: `${this.host.clientUrl}/_matrix/media/v3/upload?filename=${encodeURIComponent(filename)}`,
      method: "POST",
      headers: { authorization: `Bearer ${this.accessToken}`, "content-type": contentType },
      body: bytes,
    });
    return res.content_uri;
  }

  async getEvent(roomId: string, eventId: string): Promise<MatrixEvent | undefined> {
    try {
      return await this.request<MatrixEvent>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`);
    } catch (err) {
      if (err instanceof MatrixApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Waits (polling, bounded) until this server holds the event, e.g. after federation. */
  waitForEvent(roomId: string, eventId: string, timeoutMs = 30_000): Promise<MatrixEvent> {
    return waitFor(() => this.getEvent(roomId, eventId), {
      what: `${eventId} to reach ${this.host.name} (${this.host.serverName}) in ${roomId}`,
      timeoutMs,
      intervalMs: 200,
      logFiles: [this.host.logFile],
    });
  }

  /** Waits until the user is joined to the room according to this server. */
  waitForJoined(roomId: string, userId: string, timeoutMs = 30_000): Promise<true> {
    return waitFor(
      async () => {
        const member = await this.request<{ membership?: string }>(
          "GET",
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(userId)}`,
        ).catch((err: unknown): { membership?: string } => {
          if (err instanceof MatrixApiError && err.status === 404) return {};
          throw err;
        });
        return member.membership === "join";
      },
      { what: `${userId} to be joined to ${roomId} on ${this.host.name}`, timeoutMs, intervalMs: 200, logFiles: [this.host.logFile] },
    );
  }

  async publicRooms(server?: string): Promise<{ chunk: { room_id: string; canonical_alias?: string; name?: string }[] }> {
    const qs = server ? `?server=${encodeURIComponent(server)}` : "";
    return this.request("GET", `/_matrix/client/v3/publicRooms${qs}`);
  }

  async resolveAlias(alias: string): Promise<{ room_id: string; servers: string[] }> {
    return this.request("GET", `/_matrix/client/v3/directory/room/${encodeURIComponent(alias)}`);
  }
}
