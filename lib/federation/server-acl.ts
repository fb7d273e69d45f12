import { isIP } from "node:net";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { parseServerName } from "@/lib/federation/server-name";

// Server ACLs (m.room.server_acl): servers a room bars from talking about it. The ACL in force is
// the one of the room's resolved current state, kept on the room row by lib/ingest.
// Matching uses the host without its port, case-insensitively (v1.19), with `*` and `?` globs.

const aclContent = z.object({
  allow: z.array(z.string()).optional(),
  deny: z.array(z.string()).optional(),
  allow_ip_literals: z.boolean().optional(),
});
export type ServerAcl = z.infer<typeof aclContent>;

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

export function isServerAllowedByAcl(acl: ServerAcl, serverName: string): boolean {
  let host: string;
  try {
    host = parseServerName(serverName).host;
  } catch {
    return false;
  }
  if (acl.allow_ip_literals === false && isIP(host) !== 0) return false;
  if ((acl.deny ?? []).some((g) => globToRegExp(g).test(host))) return false;
  return (acl.allow ?? []).some((g) => globToRegExp(g).test(host));
}

/** The ACL an m.room.server_acl content means: a malformed (or redacted) one allows nobody, as an empty allow list does. */
export function parseServerAcl(content: unknown): ServerAcl {
  const parsed = aclContent.safeParse(content ?? {});
  return parsed.success ? parsed.data : { allow: [] };
}

/** Whether `serverName` may use the room's room-scoped endpoints, by the ACL of its resolved current state (no ACL: everyone). */
export async function serverMayAccessRoom(db: Db, roomId: string, serverName: string): Promise<boolean> {
  const room = await db.room.findUnique({ where: { roomId }, select: { serverAcl: true } });
  return !room || room.serverAcl === null || isServerAllowedByAcl(parseServerAcl(room.serverAcl), serverName);
}
