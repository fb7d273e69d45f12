import { readFileSync } from "node:fs";
import path from "node:path";

import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { getRoomVersion } from "@/lib/matrix/room-versions";

// Loads what scripts/record-pdus.ts recorded from a real Synapse. The events come from the client
// API's `/messages` with `event_format: federation`, which is the stored PDU plus a few things
// Synapse's client serializer adds (synapse/events/utils.py serialize_event). `toPdu` removes
// exactly those, so the result is the PDU as federation would carry it.

const dir = path.join(import.meta.dirname);

export interface RecordedRoom {
  roomVersion: string;
  roomId: string;
  /** Event IDs by role: text, emote, edit, reaction, redacted, redaction, topic, join. */
  events: Record<string, string>;
  /** As served, newest first, each with the `event_id` Synapse reported. */
  served: JsonObject[];
}

export interface Manifest {
  synapse: { name: string; version: string };
  serverName: string;
  serverKeysFile: string;
  users: Record<string, string>;
  rooms: { roomVersion: string; roomId: string; file: string; events: Record<string, string> }[];
}

export const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Manifest;

export function loadServerKeys(): JsonObject {
  return parseJsonObject(readFileSync(path.join(dir, manifest.serverKeysFile)));
}

export function loadRooms(): RecordedRoom[] {
  return manifest.rooms.map((room) => {
    const page = parseJsonObject(readFileSync(path.join(dir, room.file)));
    const chunk = Array.isArray(page.chunk) ? page.chunk.filter(isJsonObject) : [];
    return { roomVersion: room.roomVersion, roomId: room.roomId, events: room.events, served: chunk };
  });
}

/** Undoes the client serializer's additions; the rest is the PDU byte for byte. */
export function toPdu(served: JsonObject, roomVersion: string): JsonObject {
  const version = getRoomVersion(roomVersion);
  const pdu: JsonObject = { ...served };
  // serialize_event sets `event_id` on every event; only v1/v2 PDUs carry one.
  if (version.eventIdFormat !== "explicit") delete pdu.event_id;
  // v12 create events have no room_id; the client format adds it.
  if (version.roomIdFromCreateEvent && pdu.type === "m.room.create") delete pdu.room_id;
  // Redactions get `redacts` copied to the other place for clients.
  if (pdu.type === "m.room.redaction") {
    if (version.redactsInContent) {
      delete pdu.redacts;
    } else if (isJsonObject(pdu.content)) {
      const content = { ...pdu.content };
      delete content.redacts;
      pdu.content = content;
    }
  }
  return pdu;
}
