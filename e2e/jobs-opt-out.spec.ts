import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { isoDate } from "../lib/archive/day-range";
import { dayPagePath } from "../lib/archive/room-paths";
import { MatrixApiError, type MatrixUser, type Testbed } from "../scripts/testbed/index";
import type { CliRoom, RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";

// Opting out: a room's admin kicks the archive's user on Synapse. The archive purges the room and
// keeps it out: a restart with the room in ARCHIVE_ROOMS does not join it again. The operator's
// `archive readmit` lifts that: the archive joins again and serves the room's history.

test.describe.configure({ mode: "serial" });

const MESSAGES = 20;

let bed: Testbed;
let archive: RunningArchive;
useTestbed({ homeservers: 1, archive: { name: "archive-opt-out" } }, (ready) => ({ bed, archive } = ready));

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The archive user's membership in the room as Synapse has it (undefined: never a member). */
async function membershipOnSynapse(user: MatrixUser, roomId: string, userId: string): Promise<string | undefined> {
  try {
    const member = await user.request<{ membership?: string }>(
      "GET",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(userId)}`,
    );
    return member.membership;
  } catch (err) {
    if (err instanceof MatrixApiError && err.status === 404) return undefined;
    throw err;
  }
}

async function dayPage(archive: RunningArchive, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${archive.url}${path}`, { signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

test("kicked from a room, the archive purges it and stays out across a restart with ARCHIVE_ROOMS; `archive readmit` brings it back", async () => {
  test.setTimeout(6 * 60_000);
  const t0 = Date.now();
  const log = (line: string) => console.log(`[${seconds(Date.now() - t0)}] ${line}`);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice");
  const roomId = await alice.createRoom({ alias: "optout", roomVersion: "11", name: "Opt-out room" });
  const alias = `#optout:${hs1.serverName}`;
  const ids = await alice.sendMessages(roomId, MESSAGES, { concurrency: 1, prefix: "said before the opt-out" });
  const archiveUser = `@archive:${archive.serverName}`;
  const listed = async (): Promise<CliRoom | undefined> => (await archive.rooms()).find((r) => r.roomId === roomId);

  // Archived: joined with the CLI, history backfilled by the jobs and served.
  const joined = await archive.cli(["join", alias]);
  expect(joined.stdout).toContain(`joined ${roomId}`);
  await expect
    .poll(
      async () => {
        const r = await listed();
        return { status: r?.status, messages: (r?.events ?? 0) >= MESSAGES, pendingJobs: r?.jobs.length };
      },
      { timeout: 90_000, intervals: [1_000] },
    )
    .toEqual({ status: "joined", messages: true, pendingJobs: 0 });
  const day = dayPagePath(`/r/${encodeURIComponent(alias.slice(1))}`, isoDate(Date.now()));
  const served = await dayPage(archive, day);
  expect(served.status).toBe(200);
  for (const [i] of ids.entries()) expect(served.text).toMatch(new RegExp(`said before the opt-out ${i + 1}(?!\\d)`));
  expect(await membershipOnSynapse(alice, roomId, archiveUser)).toBe("join");
  log(`archived ${alias} and served its day page`);

  // The room's admin opts out: kicks the archive.
  await alice.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/kick`, { user_id: archiveUser, reason: "we do not want to be archived" });
  await expect
    .poll(
      async () => {
        const r = await listed();
        return { status: r?.status, keptOut: Boolean(r?.stayOut), events: r?.events };
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toEqual({ status: "purged", keptOut: true, events: 0 });
  const kept = await listed();
  log(`kicked: the room is ${kept?.status}, kept out (${kept?.stayOut})`);
  expect((await dayPage(archive, day)).status).toBe(403);
  expect(await membershipOnSynapse(alice, roomId, archiveUser)).toBe("leave");

  // A restart with the room in ARCHIVE_ROOMS: the worker sees it and leaves it out.
  await archive.stop();
  const logBefore = readFileSync(archive.logFile, "utf8").length;
  await archive.start({ env: { ARCHIVE_ROOMS: alias } });
  await expect
    .poll(() => /"msg":"worker started"/.test(readFileSync(archive.logFile, "utf8").slice(logBefore)), { timeout: 60_000, intervals: [250] })
    .toBe(true);
  const startLine = readFileSync(archive.logFile, "utf8")
    .slice(logBefore)
    .split("\n")
    .find((l) => l.includes('"msg":"worker started"'));
  expect(JSON.parse(startLine ?? "{}")).toMatchObject({ roomsToJoin: 0 });
  // Whatever the start queued (catch-ups) has had time to run; the room stays out. (Its later
  // purge sweeps may still be waiting: they delete, never join.)
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const afterRestart = await listed();
  expect({
    status: afterRestart?.status,
    keptOut: Boolean(afterRestart?.stayOut),
    jobs: afterRestart?.jobs.filter((j) => j.kind !== "purge-sweep"),
  }).toEqual({ status: "purged", keptOut: true, jobs: [] });
  expect(await membershipOnSynapse(alice, roomId, archiveUser)).toBe("leave");
  expect((await dayPage(archive, day)).status).toBe(403);
  // Nor does an operator's plain join get past the opt-out.
  const refused = await archive.tryCli(["join", alias]);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain("readmit");
  log("restarted with the room in ARCHIVE_ROOMS: still out");

  // The operator readmits it: joined again, history backfilled and served.
  const readmitted = await archive.cli(["readmit", alias]);
  log(`archive readmit: ${readmitted.stdout.trim().split("\n").join(" / ")}`);
  expect(await membershipOnSynapse(alice, roomId, archiveUser)).toBe("join");
  await expect
    .poll(
      async () => {
        const r = await listed();
        const pendingJobs = r?.jobs.filter((j) => j.kind !== "purge-sweep").length;
        return { status: r?.status, keptOut: Boolean(r?.stayOut), messages: (r?.events ?? 0) >= MESSAGES, pendingJobs };
      },
      { timeout: 90_000, intervals: [1_000] },
    )
    .toEqual({ status: "joined", keptOut: false, messages: true, pendingJobs: 0 });
  const back = await dayPage(archive, day);
  expect(back.status).toBe(200);
  for (const [i] of ids.entries()) expect(back.text).toMatch(new RegExp(`said before the opt-out ${i + 1}(?!\\d)`));
  log("readmitted: joined again and the history is served");
});

test("banned from a room, the archive purges it and keeps it out; readmitted while still banned, its join fails and says why", async () => {
  test.setTimeout(4 * 60_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice-ban");
  const roomId = await alice.createRoom({ alias: "banned", roomVersion: "11", name: "Ban room" });
  const alias = `#banned:${hs1.serverName}`;
  await alice.sendMessages(roomId, 3, { concurrency: 1, prefix: "said before the ban" });
  const archiveUser = `@archive:${archive.serverName}`;
  const listed = async (): Promise<CliRoom | undefined> => (await archive.rooms()).find((r) => r.roomId === roomId || r.roomId === alias);
  expect((await archive.cli(["join", alias])).stdout).toContain(`joined ${roomId}`);

  await alice.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/ban`, { user_id: archiveUser, reason: "no archives here" });
  await expect
    .poll(
      async () => {
        const r = await listed();
        return { status: r?.status, keptOut: r?.stayOut ?? null, events: r?.events };
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toEqual({ status: "purged", keptOut: expect.stringContaining("became ban"), events: 0 });
  expect((await dayPage(archive, dayPagePath(`/r/${encodeURIComponent(alias.slice(1))}`, isoDate(Date.now())))).status).toBe(403);
  expect(await membershipOnSynapse(alice, roomId, archiveUser)).toBe("ban");

  // The operator readmits it, but the room still bans the archive: the command says the join
  // failed and exits 1; the queue retries the join with backoff, `archive rooms` says why, and
  // nothing is stored.
  const readmit = await archive.tryCli(["readmit", alias]);
  expect(readmit.status).toBe(1);
  expect(readmit.stderr).toMatch(/the join failed: .*; the queue retries it with backoff/);
  await expect.poll(async () => (await listed())?.lastError ?? null, { timeout: 90_000, intervals: [1_000] }).toMatch(/ban|403|forbidden/i);
  const after = await listed();
  expect(after?.events ?? 0).toBe(0);
  expect(await membershipOnSynapse(alice, roomId, archiveUser)).toBe("ban");
});
