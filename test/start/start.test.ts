// `npm start` as a person runs it: a whole rehearsal, a second one on the kept demo data, and a
// Ctrl-C in the middle that leaves no process, port or temp dir behind. On a demo of 30 000 rides
// (`--rides`): the same steps as the default 200 000, a fifth of the time.
// @slow: started first (test/support/sequencer.js)
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

jest.setTimeout(900_000);

const ROOT = path.join(__dirname, "..", "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "elegance-start-test-"));
const RIDES = ["--rides", "30000"];
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  out: string;
}

/** Runs bin/start.ts in its own process group (as a terminal does); `interrupt` sends Ctrl-C's SIGINT to the group once it returns true. */
function start(args: string[], interrupt?: (out: string) => boolean): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      path.join(ROOT, "node_modules", ".bin", "ts-node"),
      ["--transpile-only", "bin/start.ts", ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ELEGANCE_DEMO_DIR: dir },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let sent = false;
    const onData = (d: Buffer) => {
      out += d;
      if (interrupt && !sent && interrupt(out)) {
        sent = true;
        process.kill(-child.pid!, "SIGINT");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => resolve({ code, out }));
  });
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", () => resolve(true));
  });

const alive = (pid: number) => {
  try {
    if (/\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** What the first step's title says it started. */
function started(out: string) {
  const m =
    /Démarré : PostgreSQL 127\.0\.0\.1:(\d+) \(pid (\d+)\), S3 http:\/\/127\.0\.0\.1:(\d+), app http:\/\/127\.0\.0\.1:(\d+)/.exec(
      out,
    );
  if (!m) throw new Error(`no start line in:\n${out.slice(0, 2000)}`);
  return { pgPort: Number(m[1]), pid: Number(m[2]), s3Port: Number(m[3]), appPort: Number(m[4]) };
}

/** Processes whose command line names the demo directory (the postmaster, the watchdog). */
const processesUsing = (d: string) =>
  fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(d);
      } catch {
        return false;
      }
    });

async function expectNothingLeft(out: string): Promise<void> {
  const s = started(out);
  await new Promise((r) => setTimeout(r, 1500)); // the watchdog's period, were it needed
  expect(alive(s.pid)).toBe(false);
  for (const port of [s.pgPort, s.s3Port, s.appPort]) expect(await refused(port)).toBe(true);
  expect(processesUsing(dir)).toEqual([]);
}

test("runs the lists, a backup and its drill, prints the tables, the pages and where to look, and stops everything", async () => {
  const run = await start(RIDES);
  expect(run.code).toBe(0);
  expect(run.out).toMatch(/Base de démo générée : 30000 courses, 3000 utilisateurs, 6000 sessions dont 3000 expirées/);
  for (const list of ["daily", "weekly", "monthly"])
    expect(run.out).toMatch(new RegExp(`check-list ${list}: (ok|WARN|FAIL)\\n`));
  // The planted problems, found: the sequence at 80 %, the table never vacuumed, the unused index, the expired sessions.
  expect(run.out).toMatch(/promo_codes_id_seq at 80\.0%/);
  expect(run.out).toMatch(/not vacuumed for 7\+ days with > 10000 dead tuples: public\.rides/);
  expect(run.out).toMatch(/unused.*public\.rides_pickup_address_idx/);
  expect(run.out).toMatch(/deleted \d+ sessions/);
  expect(run.out).toMatch(/── L2 Niveau 2 \(majeur\), réponse < 1 h · daily\/backups : FAIL\n {3}→ e-mail : /);
  expect(run.out).toMatch(/Exercice de restauration : ok/);
  const backupKey = /backup +: s3:\/\/elegance-mobilite-backups\/(daily\/\S+\.dump\.gz)/.exec(run.out)?.[1];
  expect(fs.existsSync(path.join(dir, "s3", "elegance-mobilite-backups", `${backupKey}._S3rver_object`))).toBe(true);
  expect(fs.readdirSync(path.join(dir, "s3", "elegance-mobilite-logs", "reports", "checklists")).sort()).toEqual([
    "daily",
    "monthly",
    "weekly",
  ]);
  await expectNothingLeft(run.out);
});

test("a second run reuses the demo data, and finds the first run's backup and drill", async () => {
  const run = await start(RIDES);
  expect(run.code).toBe(0);
  expect(run.out).toMatch(/Base de démo réutilisée : 30000 courses/);
  expect(run.out).not.toMatch(/daily\/backups : FAIL/);
  await expectNothingLeft(run.out);
});

test("Ctrl-C during the backup stops what it started and exits 130", async () => {
  const run = await start(RIDES, (out) => /Check-list monthly : /.test(out));
  expect(run.code).toBe(130);
  expect(run.out).toMatch(/SIGINT : arrêt de ce que la répétition a démarré/);
  await expectNothingLeft(run.out);
});

test("--plan prints the plan's summary; an unknown option is refused", async () => {
  const plan = await start(["--plan"]);
  expect(plan.code).toBe(0);
  expect(plan.out).toMatch(/^\d+ resources\n {2}aws:/m);
  const bad = await start(["--frsh"]);
  expect(bad.code).toBe(2);
  expect(bad.out).toMatch(/unknown option --frsh; use --fresh/);
  const small = await start(["--rides", "500"]);
  expect(small.code).toBe(2);
  expect(small.out).toMatch(/--rides 500: give a whole number of rides from 25000 to 2000000/);
});
