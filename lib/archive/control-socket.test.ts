import { mkdtempSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OperatorContext } from "@/lib/archive/operator";

vi.mock("@/lib/log", () => ({ logger: { info: () => {}, warn: () => {}, debug: () => {} } }));

const { controlSocketPath, startControlSocket } = await import("@/lib/archive/control-socket");

// The control socket takes what anyone with the owner's rights writes to it: malformed, oversized
// or silent clients get an answer or a closed connection, never a crash of the server.

let dir: string;
let server: net.Server;
let socketPath: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "control-socket-"));
  socketPath = controlSocketPath(dir);
  // Commands that touch the archive are not sent here; an unknown one answers without it.
  server = startControlSocket({} as OperatorContext, socketPath);
  await new Promise<void>((resolve) => server.once("listening", resolve));
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `data`, then reads until the server closes the connection (or `ms` passes). */
function exchange(data: string | Buffer, ms = 5_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, ms);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on("error", () => {});
    socket.write(data);
  });
}

const messages = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; code?: number; text?: string });

describe("the operator control socket", () => {
  it("is owner-only", () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
  });

  it("answers a command with its output and exit code", async () => {
    const { text, closed } = await exchange(`${JSON.stringify({ argv: ["no-such-command"] })}\n`);
    expect(closed).toBe(true);
    expect(messages(text).at(-1)).toEqual({ type: "exit", code: 2 });
  });

  it.each([
    ["not JSON", "{argv: [\n"],
    ["JSON of the wrong shape", `${JSON.stringify({ argv: "rooms" })}\n`],
    ["an empty line", "\n"],
    ["too many arguments", `${JSON.stringify({ argv: Array.from({ length: 51 }, () => "x") })}\n`],
    ["an argument too long", `${JSON.stringify({ argv: ["join", "x".repeat(1_001)] })}\n`],
    ["binary garbage", Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x80]), Buffer.from("\n")])],
  ])("refuses %s with exit code 2 and stays up", async (_what, data) => {
    const { text, closed } = await exchange(data);
    expect(closed).toBe(true);
    expect(messages(text)).toEqual([
      { type: "error", text: "bad request on the control socket" },
      { type: "exit", code: 2 },
    ]);
    expect(server.listening).toBe(true);
  });

  it("closes a request over 64 KiB without a line end, without answering", async () => {
    const { text, closed } = await exchange("x".repeat(70 * 1024));
    expect(closed).toBe(true);
    expect(text).toBe("");
    // Still serving.
    expect(messages((await exchange(`${JSON.stringify({ argv: ["no-such-command"] })}\n`)).text).at(-1)).toEqual({ type: "exit", code: 2 });
  });
});
