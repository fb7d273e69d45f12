import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { errorResponse, jsonResponse } from "@/lib/federation/inbound/http";
import { serverOfId } from "@/lib/federation/server-name";

// What resident servers ask of a newly joined server about its users. The archive has one
// user, the one it joins with; it has no devices and no encryption keys.

const ARCHIVE_LOCALPART = "archive";

export function archiveUserId(): string {
  return `@${ARCHIVE_LOCALPART}:${getOwnServerName()}`;
}

export function handleProfileQuery(url: URL): Response {
  const userId = url.searchParams.get("user_id");
  if (!userId) return errorResponse(400, "M_MISSING_PARAM", "user_id is required");
  if (serverOfId(userId) !== getOwnServerName()) return errorResponse(400, "M_INVALID_PARAM", "user is not on this server");
  if (userId !== archiveUserId()) return errorResponse(404, "M_NOT_FOUND", "Profile was not found");
  const profile: Record<string, string> = { displayname: "Public archive" };
  const field = url.searchParams.get("field");
  if (field) return field in profile ? jsonResponse({ [field]: profile[field] }) : errorResponse(404, "M_NOT_FOUND", "No such field");
  return jsonResponse(profile);
}

export function handleUserDevices(userId: string): Response {
  if (serverOfId(userId) !== getOwnServerName()) return errorResponse(400, "M_INVALID_PARAM", "user is not on this server");
  return jsonResponse({ user_id: userId, stream_id: 0, devices: [] });
}

export function handleUserKeysQuery(body: unknown): Response {
  const requested =
    typeof body === "object" && body !== null && typeof (body as { device_keys?: unknown }).device_keys === "object"
      ? Object.keys((body as { device_keys: object }).device_keys ?? {})
      : [];
  const deviceKeys: Record<string, object> = {};
  for (const userId of requested) if (serverOfId(userId) === getOwnServerName()) deviceKeys[userId] = {};
  return jsonResponse({ device_keys: deviceKeys, master_keys: {}, self_signing_keys: {} });
}

export function handleUserKeysClaim(): Response {
  return jsonResponse({ one_time_keys: {} });
}
