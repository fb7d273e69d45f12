import path from "node:path";

export interface HomeserverConfigInput {
  /** Folder of this server: database, media, signing key. */
  dir: string;
  serverName: string;
  clientPort: number;
  federationPort: number;
  certFile: string;
  keyFile: string;
  registrationSharedSecret: string;
  macaroonSecretKey: string;
  formSecret: string;
  /** Merged over the generated config last (e.g. federation_domain_whitelist for one test). */
  extra?: Record<string, unknown>;
}

// No rate limit may slow a bulk send or a burst of joins in a test. Every rc_* setting Synapse
// 1.163 reads (synapse/config/ratelimiting.py) gets a limit no test reaches.
const UNLIMITED = { per_second: 100_000, burst_count: 100_000 };

export const RATE_LIMITS_OFF: Record<string, unknown> = {
  rc_message: UNLIMITED,
  rc_registration: UNLIMITED,
  rc_registration_token_validity: UNLIMITED,
  rc_login: { address: UNLIMITED, account: UNLIMITED, failed_attempts: UNLIMITED },
  rc_admin_redaction: UNLIMITED,
  rc_joins: { local: UNLIMITED, remote: UNLIMITED },
  rc_joins_per_room: UNLIMITED,
  rc_key_requests: UNLIMITED,
  rc_3pid_validation: UNLIMITED,
  rc_invites: { per_room: UNLIMITED, per_user: UNLIMITED, per_issuer: UNLIMITED },
  rc_third_party_invite: UNLIMITED,
  rc_media_create: UNLIMITED,
  rc_presence: { per_user: UNLIMITED },
  rc_delayed_event_mgmt: UNLIMITED,
  rc_room_creation: UNLIMITED,
  rc_reports: UNLIMITED,
  rc_user_directory: UNLIMITED,
  rc_profile: UNLIMITED,
  rc_federation: { window_size: 1000, sleep_limit: 100_000, sleep_delay: 1, reject_limit: 100_000, concurrent: 100_000 },
  remote_media_download_per_second: "1G",
  remote_media_download_burst_count: "10G",
};

/**
 * homeserver.yaml content as a plain object (written as JSON, which YAML accepts). As docs/testbed.md
 * describes: federation over TLS on loopback, peers named `localhost:<TLS port>` so no
 * .well-known or SRV lookup happens, no outside key servers, SQLite.
 */
export function buildHomeserverConfig(c: HomeserverConfigInput): Record<string, unknown> {
  return {
    server_name: c.serverName,
    report_stats: false,
    signing_key_path: path.join(c.dir, "signing.key"),
    media_store_path: path.join(c.dir, "media"),
    database: { name: "sqlite3", args: { database: path.join(c.dir, "homeserver.db") } },
    tls_certificate_path: c.certFile,
    tls_private_key_path: c.keyFile,
    public_baseurl: `http://127.0.0.1:${c.clientPort}/`,
    listeners: [
      // The TLS port carries federation (what peers dial) and the client API too.
      {
        port: c.federationPort,
        type: "http",
        tls: true,
        bind_addresses: ["127.0.0.1"],
        x_forwarded: false,
        resources: [{ names: ["client", "federation"], compress: false }],
      },
      // Plain HTTP for the test bed's own client calls: no certificate handling needed there.
      {
        port: c.clientPort,
        type: "http",
        tls: false,
        bind_addresses: ["127.0.0.1"],
        x_forwarded: false,
        resources: [{ names: ["client"], compress: false }],
      },
    ],
    registration_shared_secret: c.registrationSharedSecret,
    macaroon_secret_key: c.macaroonSecretKey,
    form_secret: c.formSecret,
    enable_registration: false,
    bcrypt_rounds: 4,
    // Otherwise Synapse asks matrix.org for keys it cannot fetch directly.
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    // Every server here has the run's self-signed certificate.
    federation_verify_certificates: false,
    // The default blacklist holds 127.0.0.0/8 and ::1, and `localhost` resolves to both.
    federation_ip_range_blacklist: [],
    ip_range_blacklist: [],
    allow_public_rooms_over_federation: true,
    allow_public_rooms_without_auth: true,
    // The default [] publishes nothing to the room directory.
    room_list_publication_rules: [{ action: "allow" }],
    alias_creation_rules: [{ action: "allow" }],
    presence: { enabled: false },
    // Short retry backoff, so a restarted peer is reached again within seconds.
    federation: { max_long_retries: 0, destination_min_retry_interval: "5s" },
    enable_metrics: false,
    url_preview_enabled: false,
    user_directory: { enabled: false },
    ...RATE_LIMITS_OFF,
    ...c.extra,
  };
}
