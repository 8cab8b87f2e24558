// A throwaway PostgreSQL server for the restore drill, from the server binaries of the backup
// image: initdb under the temp dir, loopback only, no durability (nothing here must survive),
// removed on stop. The Lambda runs as a non-root user, as PostgreSQL requires.
import { spawn, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";

// Not a role any dump names: the backup's roles script (Supabase's `postgres` is NOSUPERUSER)
// must not strip the drill's own connection of its rights.
const SUPERUSER = "elegance_drill";

export interface ScratchServer {
  /** Superuser URL of its `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

export interface ScratchOptions {
  /** Directory holding initdb and postgres, e.g. /usr/lib/postgresql/15/bin. */
  bindir: string;
  /** The OS user to run as when this process is root (PostgreSQL refuses root). */
  runAs?: { uid: number; gid: number };
  /** @default 60 s */
  startTimeoutMs?: number;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

export async function startScratchServer(options: ScratchOptions): Promise<ScratchServer> {
  const root = mkdtempSync(path.join(tmpdir(), "elegance-scratch-"));
  if (options.runAs) chownSync(root, options.runAs.uid, options.runAs.gid);
  const data = path.join(root, "data");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", TZ: "UTC" };
  const init = spawnSync(path.join(options.bindir, "initdb"), ["-D", data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"], {
    ...options.runAs,
    env,
    encoding: "utf8",
  });
  if (init.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}): ${init.stderr}`);
  }
  const port = await freePort();
  // Trust on loopback is fine: the server lives minutes, in this sandbox, with a copy of a backup.
  const settings = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: root,
    fsync: "off",
    full_page_writes: "off",
    synchronous_commit: "off",
    max_wal_size: "4GB",
    // With minimal WAL, a COPY into a table created (or truncated) in the same transaction
    // writes no WAL: pg_restore --jobs precedes each COPY with a TRUNCATE for that, and a
    // single-transaction restore creates its tables in it (nothing here is replicated).
    wal_level: "minimal",
    max_wal_senders: "0",
    // Index builds (restore) and amcheck's heapallindexed Bloom filters sort and hash in memory.
    maintenance_work_mem: "256MB",
  };
  const postgres = spawn(path.join(options.bindir, "postgres"), ["-D", data, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])], {
    ...options.runAs,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  postgres.stderr.setEncoding("utf8").on("data", (c: string) => (log = (log + c).slice(-4000)));
  const exited = new Promise<void>((resolve) => postgres.once("exit", () => resolve()));
  const url = `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    postgres.kill("SIGINT"); // fast shutdown
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    postgres.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return { url, stop };
    } catch {
      await client.end().catch(() => undefined);
      if (postgres.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`scratch PostgreSQL did not start: ${log.trim().split("\n").slice(-3).join(" | ")}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
