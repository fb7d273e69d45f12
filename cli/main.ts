// The operator CLI's body (cli/archive.ts is the entry): works on the database and the job queue
// itself, or, with PGlite while the server runs (the server owns the database files), hands the
// command to the server's control socket.
import net from "node:net";
import { createRenderer } from "@/cli/render";
import { controlSocketPath } from "@/lib/archive/control-socket";
import { runOperatorCommand, type OperatorMessage } from "@/lib/archive/operator-commands";
import { getDatabase, getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";

const argv = process.argv.slice(2);
const renderer = createRenderer({ isTTY: Boolean(process.stdout.isTTY), columns: process.stdout.columns, write: (s) => void process.stdout.write(s) });
const render = (m: OperatorMessage) => (m.type === "error" ? process.stderr.write(`error: ${m.text}\n`) : renderer.render(m));

/** Sends the command to a running server; undefined when none listens on the socket. */
function viaControlSocket(socketPath: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffered = "";
    let code: number | undefined;
    let connected = false;
    socket.setEncoding("utf8");
    socket.once("connect", () => {
      connected = true;
      socket.write(`${JSON.stringify({ argv })}\n`);
    });
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        const message = JSON.parse(buffered.slice(0, end)) as OperatorMessage | { type: "exit"; code: number };
        buffered = buffered.slice(end + 1);
        if (message.type === "exit") code = message.code;
        else render(message);
      }
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      if (!connected && (err.code === "ENOENT" || err.code === "ECONNREFUSED")) resolve(undefined);
      else reject(err);
    });
    socket.once("close", () => connected && resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const env = getEnv();
  if (!env.DATABASE_URL) {
    const code = await viaControlSocket(controlSocketPath(env.DATA_DIR));
    if (code !== undefined) return code;
  }
  // Postgres, or PGlite that no server holds: the database is ours. With PGlite this process
  // also runs the jobs the command waits for (nothing else would).
  const database = getDatabase();
  await database.migrate();
  const { getJobQueue } = await import("@/lib/jobs/queue");
  let stopWorker: (() => Promise<void>) | undefined;
  const waits = ["join", "backfill", "fill-gaps", "readmit"].includes(argv[0] ?? "") && !argv.includes("--no-wait");
  if (!env.DATABASE_URL && waits) {
    const { startWorker } = await import("@/lib/worker/start-worker");
    stopWorker = (await startWorker()).stop;
  }
  const queue = await getJobQueue();
  try {
    return await runOperatorCommand({ db: getDb(), queue }, argv, render);
  } finally {
    renderer.end();
    if (stopWorker) await stopWorker();
    else await queue.stop();
    await database.close();
  }
}

void main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
