import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { z } from "zod";
import { runOperatorCommand, type OperatorMessage } from "@/lib/archive/operator-commands";
import type { OperatorContext } from "@/lib/archive/operator";
import { logger } from "@/lib/log";

// Embedded PGlite belongs to the one process that opened it, so while the archive runs on it the
// operator CLI cannot open the database itself. It sends its command to the server through this
// Unix socket in DATA_DIR instead (owner-only, like the data it guards: whoever can open it could
// open the database files too), and the server runs it with the same code and streams the output
// back as JSON lines. With DATABASE_URL the CLI talks to Postgres directly and no socket exists.

const request = z.object({ argv: z.array(z.string().max(1_000)).max(50) });
const MAX_REQUEST_BYTES = 64 * 1024;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const controlSocketPath = (dataDir: string) => path.resolve(dataDir, "control.sock");

export function startControlSocket(ctx: OperatorContext, socketPath: string): net.Server {
  mkdirSync(path.dirname(socketPath), { recursive: true });
  // A socket left by a killed process would make listen fail.
  if (existsSync(socketPath)) unlinkSync(socketPath);
  const server = net.createServer((socket) => {
    let buffered = "";
    socket.setEncoding("utf8");
    socket.setTimeout(60_000, () => socket.destroy());
    const send = (m: OperatorMessage | { type: "exit"; code: number }) => socket.writable && socket.write(`${JSON.stringify(m)}\n`);
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES) return void socket.destroy();
      const end = buffered.indexOf("\n");
      if (end < 0) return;
      socket.removeAllListeners("data");
      // A command may follow a long backfill: no idle timeout once it runs.
      socket.setTimeout(0);
      const parsed = request.safeParse(parseJson(buffered.slice(0, end)));
      if (!parsed.success) {
        send({ type: "error", text: "bad request on the control socket" });
        send({ type: "exit", code: 2 });
        return void socket.end();
      }
      logger.info({ argv: parsed.data.argv }, "operator command (control socket)");
      runOperatorCommand(ctx, parsed.data.argv, send)
        .then((code) => send({ type: "exit", code }))
        .catch((err: unknown) => send({ type: "error", text: (err as Error).message }) && send({ type: "exit", code: 1 }))
        .finally(() => socket.end());
    });
    socket.on("error", () => socket.destroy());
  });
  // Owner-only from the moment it exists: the bind happens inside listen(), under this umask.
  const umask = process.umask(0o177);
  try {
    server.listen(socketPath, () => chmodSync(socketPath, 0o600));
  } finally {
    process.umask(umask);
  }
  server.on("error", (err) => logger.warn({ err: err.message, socketPath }, "operator control socket failed"));
  server.unref();
  return server;
}
