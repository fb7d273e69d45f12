import { createHmac, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { MatrixApiError, httpRequest, jsonRequest } from "./http";
import { MatrixUser } from "./matrix-client";
import { fakeClockEnv } from "./install";
import { ManagedProcess } from "./processes";
import { buildHomeserverConfig } from "./synapse-config";
import { TestbedError, waitFor } from "./wait";

export interface HomeserverOptions {
  /** Short label used in logs and errors: hs1, hs2, … */
  name: string;
  dir: string;
  python: string;
  clientPort: number;
  federationPort: number;
  certFile: string;
  keyFile: string;
  extraConfig?: Record<string, unknown>;
  /** Bound on waiting for /health after a start. */
  startTimeoutMs?: number;
}

/**
 * One Synapse process: its config, its lifecycle (start, stop, restart: the database and
 * signing key persist across restarts), and admin calls. Client API work goes through the
 * MatrixUser objects that registerUser() returns.
 */
export class Homeserver {
  readonly name: string;
  readonly dir: string;
  /** `localhost:<federation port>`: peers dial it directly, no .well-known or SRV. */
  readonly serverName: string;
  readonly clientPort: number;
  readonly federationPort: number;
  /** Plain-HTTP client API (and admin API): http://127.0.0.1:<clientPort>. */
  readonly clientUrl: string;
  /** TLS listener with client and federation resources: https://127.0.0.1:<federationPort>. */
  readonly federationUrl: string;
  readonly configFile: string;
  readonly logFile: string;
  private readonly python: string;
  private readonly sharedSecret = randomBytes(24).toString("hex");
  private readonly opts: HomeserverOptions;
  private process: ManagedProcess | undefined;
  private admin: Promise<MatrixUser> | undefined;
  private ca: Buffer | undefined;

  constructor(opts: HomeserverOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.dir = opts.dir;
    this.python = opts.python;
    this.clientPort = opts.clientPort;
    this.federationPort = opts.federationPort;
    this.serverName = `localhost:${opts.federationPort}`;
    this.clientUrl = `http://127.0.0.1:${opts.clientPort}`;
    this.federationUrl = `https://127.0.0.1:${opts.federationPort}`;
    this.configFile = path.join(opts.dir, "homeserver.yaml");
    this.logFile = path.join(opts.dir, "homeserver.log");
  }

  /** Writes homeserver.yaml; called once by the test bed before the first start. */
  async writeConfig(): Promise<void> {
    await mkdir(path.join(this.dir, "media"), { recursive: true });
    const config = buildHomeserverConfig({
      dir: this.dir,
      serverName: this.serverName,
      clientPort: this.clientPort,
      federationPort: this.federationPort,
      certFile: this.opts.certFile,
      keyFile: this.opts.keyFile,
      registrationSharedSecret: this.sharedSecret,
      macaroonSecretKey: randomBytes(24).toString("hex"),
      formSecret: randomBytes(24).toString("hex"),
      extra: this.opts.extraConfig,
    });
    // JSON is valid YAML, and needs no YAML library.
    await writeFile(this.configFile, `${JSON.stringify(config, null, 2)}\n`);
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  get pid(): number | undefined {
    return this.process?.running ? this.process.pid : undefined;
  }

  /**
   * Starts Synapse in the foreground and waits until /health answers 200. With `clockOffsetMs`
   * (negative: the past) Synapse runs under libfaketime, so events it creates carry timestamps
   * of another day: how the demo and tests get history spread over several days.
   */
  async start(opts: { clockOffsetMs?: number } = {}): Promise<void> {
    if (this.running) return;
    const offset = opts.clockOffsetMs ? Math.round(opts.clockOffsetMs / 1000) : 0;
    await writeFile(
      this.logFile,
      `\n=== ${new Date().toISOString()} start ${this.name} (${this.serverName})${offset ? ` clock offset ${offset} s` : ""} ===\n`,
      { flag: "a" },
    );
    const proc = new ManagedProcess({
      name: `Synapse ${this.name} (${this.serverName})`,
      command: this.python,
      args: ["-m", "synapse.app.homeserver", "--config-path", this.configFile],
      cwd: this.dir,
      logFile: this.logFile,
      python: this.python,
      env: { ...process.env, PYTHONUNBUFFERED: "1", ...(offset ? await fakeClockEnv(offset) : {}) },
    });
    this.process = proc;
    await waitFor(async () => (await httpRequest({ url: `${this.clientUrl}/health`, timeoutMs: 2_000 })).status === 200, {
      what: `${this.name} (${this.serverName}) /health to answer 200`,
      timeoutMs: this.opts.startTimeoutMs ?? 60_000,
      intervalMs: 100,
      logFiles: [this.logFile],
      abort: () => proc.exitReason(),
    });
  }

  /** SIGTERM and wait for exit (SIGKILL after 15 s). The database stays for the next start. */
  async stop(): Promise<void> {
    const proc = this.process;
    this.process = undefined;
    if (proc) await proc.stop(15_000);
  }

  async restart(opts: { clockOffsetMs?: number } = {}): Promise<void> {
    await this.stop();
    await this.start(opts);
  }

  /** Registers a user through the shared-secret admin API and returns a client for it. */
  async registerUser(localpart: string, opts: { password?: string; admin?: boolean; displayName?: string } = {}): Promise<MatrixUser> {
    const password = opts.password ?? `pw-${localpart}-${randomBytes(6).toString("hex")}`;
    const admin = opts.admin ?? false;
    const url = `${this.clientUrl}/_synapse/admin/v1/register`;
    const { nonce } = await jsonRequest<{ nonce: string }>({ url });
    const mac = createHmac("sha1", this.sharedSecret)
      .update(`${nonce}\0${localpart}\0${password}\0${admin ? "admin" : "notadmin"}`)
      .digest("hex");
    const res = await jsonRequest<{ user_id: string; access_token: string; device_id?: string }>({
      url,
      method: "POST",
      body: { nonce, username: localpart, password, admin, mac, ...(opts.displayName ? { displayname: opts.displayName } : {}) },
    });
    return new MatrixUser(this, res.user_id, res.access_token, res.device_id, password);
  }

  /** A server admin, registered on first use. */
  adminUser(): Promise<MatrixUser> {
    this.admin ??= this.registerUser(`testbed-admin-${randomBytes(3).toString("hex")}`, { admin: true });
    // A failed registration must not be cached forever.
    this.admin.catch(() => {
      this.admin = undefined;
    });
    return this.admin;
  }

  /**
   * Clears this server's federation backoff for `destination` and wakes its sender
   * (POST /_synapse/admin/v1/federation/destinations/{dest}/reset_connection). Returns false when
   * Synapse says there was nothing to reset (400: no backoff recorded) or does not know the
   * destination yet (404); other errors throw.
   */
  async resetConnection(destination: string): Promise<boolean> {
    const admin = await this.adminUser();
    try {
      await admin.request("POST", `/_synapse/admin/v1/federation/destinations/${encodeURIComponent(destination)}/reset_connection`, {});
      return true;
    } catch (err) {
      if (err instanceof MatrixApiError && (err.status === 400 || err.status === 404)) return false;
      throw err;
    }
  }

  /** Synapse's view of a destination (retry backoff, last successful stream ordering). */
  async destination(destination: string): Promise<Record<string, unknown> | undefined> {
    const admin = await this.adminUser();
    try {
      return await admin.request("GET", `/_synapse/admin/v1/federation/destinations/${encodeURIComponent(destination)}`);
    } catch (err) {
      if (err instanceof MatrixApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** An unauthenticated GET on the TLS federation listener, e.g. /_matrix/federation/v1/version. */
  async federationGet<T = unknown>(pathAndQuery: string): Promise<T> {
    this.ca ??= await readFile(this.opts.certFile);
    return jsonRequest<T>({ url: `${this.federationUrl}${pathAndQuery}`, ca: this.ca });
  }

  /** This server's signing key as other servers fetch it. */
  serverKeys(): Promise<{ server_name: string; verify_keys: Record<string, { key: string }> }> {
    return this.federationGet("/_matrix/key/v2/server");
  }

  /** Throws with the log tail when the process is not running (for test diagnostics). */
  assertRunning(): void {
    if (!this.running) throw new TestbedError(`${this.name} is not running: ${this.process?.exitReason() ?? "stopped"}`);
  }
}
