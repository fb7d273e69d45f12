import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const PREFIX = "matrix-testbed-";
const OWNER_FILE = "owner.pid";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes run folders whose owning process is gone. Exit hooks cannot run when a test process is
 * SIGKILLed (its servers still die, by PR_SET_PDEATHSIG), so its folder would stay in /tmp.
 * Folders of live processes (other beds running right now) are left alone.
 */
async function sweepStale(tmp: string): Promise<void> {
  const entries = await readdir(tmp).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((e) => e.startsWith(PREFIX))
      .map(async (e) => {
        const dir = path.join(tmp, e);
        const pid = Number((await readFile(path.join(dir, OWNER_FILE), "utf8").catch(() => "")).trim());
        // No owner file yet: a bed being created this instant; leave it.
        if (Number.isInteger(pid) && pid > 0 && !alive(pid)) await rm(dir, { recursive: true, force: true });
      }),
  );
}

/** A fresh run folder under the OS temp dir, stamped with this process's pid. */
export async function makeRunDir(): Promise<string> {
  const tmp = os.tmpdir();
  await sweepStale(tmp);
  const dir = await mkdtemp(path.join(tmp, PREFIX));
  await writeFile(path.join(dir, OWNER_FILE), `${process.pid}\n`);
  return dir;
}
