import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import next from "next";
import { serveCachedDayPage, type PeekableStore } from "@/lib/front/day-fast-path";
import { undecodablePathResponse } from "@/lib/front/path-guard";
import { logger } from "@/lib/log";

// The archive's HTTP server (docs/architecture.md): Node's http server with Next.js's request
// handler behind it, in place of `next start`. Before Next.js it answers what Next.js answers
// badly or slowly: a path that does not percent-decode (400 instead of the router's plain-text
// 500), and a plain request for a day page whose rendered page is in the page cache (straight
// from the cache, lib/front/day-fast-path.ts). Everything else is Next.js's, proxy.ts and
// instrumentation.ts included.

// Where instrumentation.ts (lib/page-cache/register.ts) leaves this process's page cache.
const STORE = Symbol.for("matrix-archive.page-cache");

function pageCache(): PeekableStore | undefined {
  return (globalThis as unknown as Record<symbol, PeekableStore | undefined>)[STORE];
}

export interface FrontServerOptions {
  /** The project folder (the one holding `.next`). */
  dir: string;
  port: number;
  /** The address to listen on; all of them when absent. */
  hostname?: string;
}

export async function startFrontServer(opts: FrontServerOptions): Promise<Server> {
  const app = next({ dev: false, dir: opts.dir, hostname: opts.hostname ?? "localhost", port: opts.port });
  const handle = app.getRequestHandler();
  // Loads the build and runs instrumentation.ts (the page cache, and the jobs in role all).
  await app.prepare();

  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    const bad = undecodablePathResponse(req.url ?? "/");
    if (bad) {
      res.writeHead(bad.status, { ...bad.headers, "content-length": String(Buffer.byteLength(bad.body)) });
      res.end(req.method === "HEAD" ? undefined : bad.body);
      return;
    }
    const store = pageCache();
    if (store) {
      try {
        if (await serveCachedDayPage(req, res, store)) return;
      } catch (err) {
        // The cache could not be read (the database): Next.js answers, as it would without the fast path.
        logger.warn({ err, url: req.url }, "page cache fast path failed");
        if (res.headersSent) return;
      }
    }
    await handle(req, res);
  };

  const server = createServer((req, res) => {
    respond(req, res).catch((err) => {
      logger.error({ err, url: req.url }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  logger.info({ port: opts.port, hostname: opts.hostname ?? "*" }, "archive listening");
  return server;
}
