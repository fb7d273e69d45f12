import { isIP } from "node:net";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { parseServerName } from "@/lib/federation/server-name";

// Server ACLs (S2S § Server ACLs; m.room.server_acl): servers a room bars from talking about it.
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

/** The room's current ACL as the archive holds it (the deepest stored m.room.server_acl), if any. */
export async function currentServerAcl(db: Db, roomId: string): Promise<ServerAcl | undefined> {
  const row = await db.event.findFirst({
    where: { roomId, type: "m.room.server_acl", stateKey: "", deniedReason: null },
    orderBy: [{ depth: "desc" }, { originServerTs: "desc" }],
    select: { pdu: true },
  });
  if (!row) return undefined;
  const content = (JSON.parse(row.pdu) as { content?: unknown }).content;
  const parsed = aclContent.safeParse(content ?? {});
  // A malformed (or redacted) ACL allows nobody, as an empty allow list does.
  return parsed.success ? parsed.data : { allow: [] };
}

/** Whether `serverName` may use the room's room-scoped endpoints (no ACL: everyone). */
export async function serverMayAccessRoom(db: Db, roomId: string, serverName: string): Promise<boolean> {
  const acl = await currentServerAcl(db, roomId);
  return acl === undefined || isServerAllowedByAcl(acl, serverName);
}
