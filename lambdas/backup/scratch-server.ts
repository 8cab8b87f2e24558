// A throwaway PostgreSQL server for the restore drill, from the server binaries of the backup
// image: initdb under the temp dir, loopback only, no durability (nothing here must survive),
// removed on stop. The Lambda runs as a non-root user, as PostgreSQL requires; as root (a
// container, a CI runner) the server runs as an unprivileged OS user (`nobody` by default).
// A drill killed before its stop leaves the directory: the next start removes those a day old.
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
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
  /** The OS user to run as when this process is root (PostgreSQL refuses root); see osUser. */
  runAs?: { uid: number; gid: number };
  /** Its name, for messages. */
  runAsName?: string;
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

export const SCRATCH_DIR_PREFIX = "elegance-scratch-";
const DAY_MS = 24 * 3600_000;

/** Bad --pg-bindir or OS user: the operator fixes the command line. */
export class ScratchSetupError extends Error {}

/** The OS user `name` from /etc/passwd. */
export function osUser(name: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line)
    throw new ScratchSetupError(
      `OS user "${name}" does not exist: the scratch server cannot run as root; set PG_SERVER_OS_USER to an unprivileged user`,
    );
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Throws naming the program missing from `bindir` (or not runnable by `runAs`), and what to give instead. */
export function checkBindir(bindir: string, runAs?: { uid: number; gid: number }, user = "nobody"): void {
  for (const program of ["initdb", "postgres"]) {
    const file = path.join(bindir, program);
    if (!existsSync(file)) {
      throw new ScratchSetupError(
        `--pg-bindir ${bindir}: ${program} is not there (${file}); give the directory of the PostgreSQL server programs, e.g. /usr/lib/postgresql/15/bin`,
      );
    }
    const r = spawnSync(file, ["--version"], { ...runAs, encoding: "utf8" });
    if (r.error || r.status !== 0) {
      const who = runAs
        ? ` by OS user ${user} (PostgreSQL refuses to run as root, so the scratch server runs as that user)`
        : "";
      throw new ScratchSetupError(
        `--pg-bindir ${bindir}: ${file} cannot be run${who}: ${r.error?.message ?? r.stderr.trim()}${runAs ? `; put the binaries where ${user} can read them, set PG_SERVER_OS_USER, or run ops as a non-root user` : ""}`,
      );
    }
  }
}

/** Removes scratch directories a day old or more, first stopping a server still running in one (its owner was killed). */
export function removeStaleScratchDirs(dir = tmpdir(), now = Date.now()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(SCRATCH_DIR_PREFIX)) continue;
    const root = path.join(dir, name);
    try {
      if (now - statSync(root).mtimeMs < DAY_MS) continue;
      const pidFile = path.join(root, "data", "postmaster.pid");
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
        if (pid > 0) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
      rmSync(root, { recursive: true, force: true });
      removed.push(root);
    } catch {
      // another drill removed it first
    }
  }
  return removed;
}

// Scratch servers of this process not yet stopped.
const running = new Set<() => Promise<void>>();

/** Stops every scratch server of this process, started or starting (for a SIGINT/SIGTERM handler). */
export async function stopScratchServers(): Promise<number> {
  const stops = [...running];
  await Promise.all(stops.map((stop) => stop().catch(() => undefined)));
  return stops.length;
}

export async function startScratchServer(options: ScratchOptions): Promise<ScratchServer> {
  removeStaleScratchDirs();
  checkBindir(options.bindir, options.runAs, options.runAsName);
  const root = mkdtempSync(path.join(tmpdir(), SCRATCH_DIR_PREFIX));
  // Until stopped, a signal handler can remove it (stopScratchServers), even mid-start.
  const started: { postgres?: ReturnType<typeof spawn>; exited?: Promise<void> } = {};
  const stop = async () => {
    running.delete(stop);
    const { postgres, exited } = started;
    if (postgres && postgres.exitCode === null && postgres.signalCode === null) {
      postgres.kill("SIGINT"); // fast shutdown
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      postgres.kill("SIGKILL");
    }
    rmSync(root, { recursive: true, force: true });
  };
  running.add(stop);
  if (options.runAs) chownSync(root, options.runAs.uid, options.runAs.gid);
  const data = path.join(root, "data");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", TZ: "UTC" };
  const init = spawnSync(
    path.join(options.bindir, "initdb"),
    ["-D", data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"],
    {
      ...options.runAs,
      env,
      encoding: "utf8",
    },
  );
  if (init.status !== 0) {
    await stop();
    throw new Error(
      `initdb (${path.join(options.bindir, "initdb")}) failed (${init.error?.message ?? `exit ${init.status}`}): ${init.stderr?.trim()}`,
    );
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
  if (!running.has(stop)) throw new Error("scratch server stopped while starting");
  const server = spawn(
    path.join(options.bindir, "postgres"),
    ["-D", data, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])],
    {
      ...options.runAs,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  started.postgres = server;
  let log = "";
  server.stderr.setEncoding("utf8").on("data", (c: string) => (log = (log + c).slice(-4000)));
  started.exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const url = `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return { url, stop };
    } catch {
      await client.end().catch(() => undefined);
      if (server.exitCode !== null || !running.has(stop) || Date.now() > deadline) {
        await stop();
        throw new Error(`scratch PostgreSQL did not start: ${log.trim().split("\n").slice(-3).join(" | ")}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
