// Issue 19: an interrupted drill left its scratch database (drill_…) or scratch server directory
// (elegance-scratch-…) behind, and as root `--pg-bindir` failed at `initdb: cannot be run as
// root`. The built CLI is run as a child and killed mid-drill, as an operator's Ctrl-C would.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CLI_FILE } from "../../bin/build-cli";
import { connect, superuserUrl, useFreshDatabase } from "../support/db";
import { runAsUser, runnableNativeDir } from "../support/pg-server";
import { startS3, type TestS3 } from "../support/s3";
import { ops } from "./support";

const scratchDirs = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith("elegance-scratch-")));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function drillDatabases(): Promise<string[]> {
  const c = await connect(superuserUrl());
  try {
    return (
      await c.query<{ name: string }>("SELECT datname AS name FROM pg_database WHERE datname LIKE 'drill\\_%'")
    ).rows.map((r) => r.name);
  } finally {
    await c.end();
  }
}

/** Polls `ready` every 20 ms (20 s at most); true once it held. */
async function waitFor(ready: () => Promise<boolean> | boolean): Promise<boolean> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20)))
    if (await ready()) return true;
  return false;
}

describe("ops backup drill: interrupted and as root (issue 19)", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let bindir: string;
  const env = () => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...s3.env,
    DATABASE_URL: db().url,
    BACKUPS_BUCKET: "backups",
  });

  /** The drill as a child; `interrupt` decides when to send `signal`. */
  async function interrupted(args: string[], signal: NodeJS.Signals, when: () => Promise<boolean> | boolean) {
    const child = spawn(process.execPath, [CLI_FILE, "backup", "drill", ...args], {
      env: env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const caught = await waitFor(when);
    child.kill(signal);
    return { caught, code: await exited, stderr: () => stderr };
  }

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket("backups");
    const made = await ops(["backup"], env());
    if (made.code !== 0) throw new Error(made.stderr);
    // The test bed's server binaries, where the unprivileged user can run them.
    bindir = path.join(runnableNativeDir(runAsUser(), path.join(tmpdir(), `elegance-test-bin-${process.pid}`)), "bin");
  });
  afterAll(async () => {
    await s3?.stop();
    rmSync(path.join(tmpdir(), `elegance-test-bin-${process.pid}`), { recursive: true, force: true });
  });

  it("as root, --pg-bindir runs the scratch server as an unprivileged user, after removing day-old scratch directories", async () => {
    expect(process.getuid?.()).toBe(0); // the case the issue is about; the tests here run as root
    const stale = path.join(tmpdir(), `elegance-scratch-stale${process.pid}`);
    mkdirSync(path.join(stale, "data"), { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    const fresh = path.join(tmpdir(), `elegance-scratch-fresh${process.pid}`);
    mkdirSync(fresh);

    const drill = await ops(["backup", "drill", "--pg-bindir", bindir], env());
    expect(drill.stderr).not.toContain("cannot be run as root");
    expect(drill.code).toBe(0);
    expect(drill.stdout).toMatch(/^drill: ok: restore drill of /);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true); // under a day: maybe another drill's
    rmSync(fresh, { recursive: true });
  });

  it("SIGTERM while the --pg-bindir scratch server runs: server stopped, its directory removed, exit 143", async () => {
    const before = scratchDirs();
    let pidFile = "";
    let postmaster = 0;
    const run = await interrupted(["--pg-bindir", bindir], "SIGTERM", () => {
      const mine = [...scratchDirs()].filter((n) => !before.has(n));
      pidFile = mine.map((n) => path.join(tmpdir(), n, "data", "postmaster.pid")).find((f) => existsSync(f)) ?? "";
      postmaster = pidFile ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : 0;
      return postmaster > 0;
    });
    expect(run.caught).toBe(true);
    expect(run.code).toBe(143);
    expect(run.stderr()).toContain("ops: SIGTERM: removing the drill's scratch database and server");
    expect(existsSync(path.dirname(path.dirname(pidFile)))).toBe(false);
    expect(await waitFor(() => !alive(postmaster))).toBe(true);
  });

  it("SIGINT mid-drill on --scratch-url: its database dropped, exit 130; a day-old drill database is dropped by the next drill", async () => {
    const stale = "drill_20200101000000_abcdef";
    const admin = await connect(superuserUrl());
    await admin.query(`CREATE DATABASE ${stale}`);
    await admin.end();
    const before = new Set(await drillDatabases());
    let mine = "";
    const run = await interrupted(["--scratch-url", superuserUrl()], "SIGINT", async () => {
      mine = (await drillDatabases()).find((n) => !before.has(n)) ?? "";
      return mine !== "";
    });
    expect(run.caught).toBe(true);
    expect(run.code).toBe(130);
    const left = await drillDatabases();
    expect(left).not.toContain(mine);
    expect(left).not.toContain(stale);
  });
});
