// Issue 19, "bad input and bad days", as an operator meets them: a wrong password, a server that
// never answers, a missing bucket, a wrong flag. Each case failed before its fix.
// @slow: started first (test/support/sequencer.js)
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CLI_FILE } from "../../bin/build-cli";
import { useFreshDatabase } from "../support/db";
import { startS3, TestS3 } from "../support/s3";
import { startSilentServer, SilentServer } from "../support/silent-server";
import { ops } from "./support";

/** stderr without Node's and npm's own notices. */
const ours = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => l && !/^(npm warn|\(node:\d+\)|\(Use `node)/.test(l))
    .join("\n");

describe("ops on bad days", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let silent: SilentServer;
  const dir = mkdtempSync(path.join(tmpdir(), "elegance-baddays-"));
  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket("backups");
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await s3?.stop();
    await silent?.close();
  });
  const wrongPassword = () => {
    const url = new URL(db().url);
    url.password = "rotated-password-7";
    return url.toString();
  };

  it("db check with a wrong password: one incident (database-reachable, with the reason), the other checks skipped (was eight incidents)", async () => {
    const { code, stdout, stderr } = await ops(["db", "check"], { DATABASE_URL: wrongPassword() });
    expect(code).toBe(1);
    expect(stderr.match(/── incident \[L\d[^\]]*\]/g)).toEqual(["── incident [L2 <1h]"]);
    expect(stderr).toContain("elegance-mobilite/db/database-reachable: fail");
    expect(stdout).toMatch(/database-reachable\s*│ FAIL\s*│ L2/);
    expect(stdout).toContain("database unreachable (auth)");
    expect(stdout.match(/│ skip\s*│/g)?.length).toBe(9);
    expect(stdout + stderr).not.toContain("rotated-password-7");
  });

  it("db check against a server that accepts and never answers: one connect timeout, not one per check (was 84 s)", async () => {
    const began = Date.now();
    const { code, stdout } = await ops(["db", "check"], {
      DATABASE_URL: `postgresql://postgres:x@127.0.0.1:${silent.port}/postgres`,
    });
    expect(code).toBe(1);
    expect(stdout).toContain("database unreachable (timeout)");
    expect(Date.now() - began).toBeLessThan(16_000);
  }, 30_000);

  it("db check refuses the transaction pooler (port 6543) as the tasks do, exit 2", async () => {
    const { code, stderr } = await ops(["db", "check"], {
      DATABASE_URL: "postgresql://postgres:pw@127.0.0.1:6543/postgres",
    });
    expect(code).toBe(2);
    expect(ours(stderr)).toMatch(
      /^ops: --database-url: postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:6543\/postgres is Supabase's transaction pooler \(port 6543\)/,
    );
    const task = await ops(["db", "vacuum"], { DATABASE_URL: "postgresql://postgres:pw@127.0.0.1:6543/postgres" });
    expect(task.code).toBe(2);
  });

  it("an invalid database URL is bad usage (exit 2) naming the flag and variable, without repeating the URL", async () => {
    const { code, stderr } = await ops(["db", "vacuum"], { DATABASE_URL: "notaurl-secret" });
    expect(code).toBe(2);
    expect(ours(stderr)).toBe(
      "ops: --database-url (or DATABASE_URL) is not a postgresql:// URL; expected postgresql://USER:PASSWORD@HOST:5432/DATABASE",
    );
  });

  it("backup list against an S3 endpoint that never answers fails in bounded time, naming endpoint and bucket (was 590 s)", async () => {
    const endpoint = `http://127.0.0.1:${silent.port}`;
    const began = Date.now();
    const { code, stderr } = await ops(["backup", "list"], {
      ...s3.env,
      AWS_ENDPOINT_URL_S3: endpoint,
      S3_IDLE_TIMEOUT_MS: "500",
      BACKUPS_BUCKET: "backups",
    });
    expect(code).toBe(1);
    expect(ours(stderr)).toContain(`(${endpoint}, bucket backups)`);
    expect(Date.now() - began).toBeLessThan(15_000);
  }, 30_000);

  it("a bad AWS_ENDPOINT_URL_S3 is bad usage naming the variable (was 'ops: Invalid URL')", async () => {
    const { code, stderr } = await ops(["backup", "list"], {
      ...s3.env,
      AWS_ENDPOINT_URL_S3: "localhost:9000",
      BACKUPS_BUCKET: "backups",
    });
    expect(code).toBe(2);
    expect(ours(stderr)).toBe(
      'ops: AWS_ENDPOINT_URL_S3 must be an http(s):// URL of an S3-compatible server, got "localhost:9000"',
    );
  });

  it("checklist run with a logs bucket that does not exist prints the results first, then the record's own error naming the bucket", async () => {
    const { code, stdout, stderr } = await ops(["checklist", "run", "monthly", "--logs-bucket", "nosuch-logs"], {
      ...s3.env,
      DATABASE_URL: db().url,
    });
    expect(code).toBe(1);
    expect(stdout).toContain("check-list monthly:");
    expect(stdout).toMatch(/lambda-runtime\s*│/);
    expect(ours(stderr)).toMatch(
      /^ops: run record not written to s3:\/\/nosuch-logs\/reports\/checklists\/monthly\/: .*does not exist/m,
    );
  }, 60_000);

  it("names the flag of a malformed value: --vercel-api-url, --scratch-url, --pg-bindir (exit 2)", async () => {
    const vercel = await ops(
      ["maintenance", "status", "--vercel-token", "t", "--edge-config-id", "ecfg_1", "--vercel-api-url", "notaurl"],
      {},
    );
    expect([vercel.code, ours(vercel.stderr)]).toEqual([
      2,
      'ops: --vercel-api-url (or VERCEL_API_URL) is not an http(s):// URL: "notaurl"',
    ]);
    const scratch = await ops(["backup", "drill", "--scratch-url", "notaurl"], {
      ...s3.env,
      BACKUPS_BUCKET: "backups",
    });
    expect([scratch.code, ours(scratch.stderr)]).toEqual([
      2,
      "ops: --scratch-url (or SCRATCH_DATABASE_URL) is not a postgresql:// URL; expected postgresql://USER:PASSWORD@HOST:5432/DATABASE",
    ]);
    const bindir = await ops(["backup", "drill", "--pg-bindir", "/nonexistent"], {
      ...s3.env,
      BACKUPS_BUCKET: "backups",
    });
    expect(bindir.code).toBe(2);
    expect(ours(bindir.stderr)).toMatch(
      /^ops: --pg-bindir \(or PG_SERVER_BINDIR\) "\/nonexistent" has no initdb and postgres/,
    );
  });

  it("the Vercel commands accept --project, as the README lists", async () => {
    const { code, stderr } = await ops(["maintenance", "status", "--project", "elegance-mobilite"], {});
    expect(code).toBe(2);
    expect(ours(stderr)).toMatch(/^ops: missing --vercel-token/);
  });

  it("upper bounds: --batch-size 100000000 is refused; vacuum --schema nope names the schema (was 0 tables, exit 0)", async () => {
    const batch = await ops(["db", "archive-rides", "--dry-run", "--batch-size", "100000000"], {
      DATABASE_URL: db().url,
    });
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain("--batch-size must be at most 100000, got 100000000");
    const vacuum = await ops(["db", "vacuum", "--schema", "public", "nope"], { DATABASE_URL: db().url });
    expect([vacuum.code, ours(vacuum.stderr)]).toEqual([2, 'ops: --schema: no schema "nope" in this database']);
  });

  it("vacuum's progress counts tables per second, not rows", async () => {
    const { code, stderr } = await ops(["db", "vacuum", "--schema", "public"], { DATABASE_URL: db().url });
    expect(code).toBe(0);
    expect(stderr).toMatch(/vacuum: \d+\/\d+ \(\d+%\) [\d.]+ tables\/s/);
    expect(stderr).not.toContain("rows/s");
  });

  describe("the stack file", () => {
    const stack = (name: string, text: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const prod = () =>
      require("node:fs").readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8") as string;

    it("db tasks take sessionsExpiredDays, ridesOlderThanMonths and batchSize from it (they were ignored); a flag wins", async () => {
      const { parse, stringify } = require("yaml");
      const doc = parse(prod());
      doc.config["elegance-ops:database"] = {
        ...doc.config["elegance-ops:database"],
        tasks: { sessionsExpiredDays: 400, ridesOlderThanMonths: 24, batchSize: 1000 },
      };
      const file = stack("Pulumi.tasks.yaml", stringify(doc));
      const sessions = await ops(["db", "clean-sessions", "--dry-run", "--stack-file", file], {
        DATABASE_URL: db().url,
      });
      expect(sessions.stdout).toContain("(not_after older than 400 days)");
      const rides = await ops(["db", "archive-rides", "--dry-run", "--json", "--stack-file", file], {
        DATABASE_URL: db().url,
      });
      expect(rides.code).toBe(0);
      expect(JSON.parse(rides.stdout).summary).toMatch(/24 months|created before/);
      expect(JSON.parse(rides.stdout).counts).toMatchObject({ batchSize: 1000 });
      const flag = await ops(["db", "clean-sessions", "--dry-run", "--expired-days", "5"], {
        DATABASE_URL: db().url,
        STACK_FILE: file,
      });
      expect(flag.stdout).toContain("(not_after older than 5 days)");
    });

    it("a missing or malformed --stack-file is bad usage naming the file (and the line), no stack trace", async () => {
      const missing = await ops(["db", "clean-sessions", "--dry-run", "--stack-file", path.join(dir, "nope.yaml")], {
        DATABASE_URL: db().url,
      });
      expect([missing.code, ours(missing.stderr)]).toEqual([
        2,
        `ops: --stack-file ${path.join(dir, "nope.yaml")}: no such file`,
      ]);
      const file = stack("Pulumi.broken.yaml", "config:\n  elegance-ops:app:\n    name: x\n   url: [oops\n");
      const broken = await ops(["db", "vacuum", "--stack-file", file], { DATABASE_URL: db().url });
      expect(broken.code).toBe(2);
      expect(ours(broken.stderr)).toMatch(
        new RegExp(`^ops: --stack-file ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:\\d+: not valid YAML: `),
      );
      expect(broken.stderr).not.toMatch(/\n\s+at /);
      const invalid = stack("Pulumi.invalid.yaml", prod().replace(/cron\(0 7 \* \* \? \*\)/, "cron(0 25 * * ? *)"));
      const one = await ops(["db", "vacuum", "--stack-file", invalid], { DATABASE_URL: db().url });
      expect(one.code).toBe(2);
      expect(ours(one.stderr)).toContain(
        `${invalid}: invalid stack config (1 problem)\n  - elegance-ops:schedules.daily: `,
      );
    });
  });

  it("checklist list: no colour codes when piped, lines within the terminal width (were 233 characters)", async () => {
    for (const [env, width] of [
      [{}, 100],
      [{ COLUMNS: "80" }, 80],
    ] as const) {
      const { code, stdout } = await ops(["checklist", "list"], env);
      expect(code).toBe(0);
      expect(stdout).not.toContain("\x1b[");
      expect(Math.max(...stdout.split("\n").map((l) => l.length))).toBeLessThanOrEqual(width);
    }
  });

  it("no AWS SDK Node-version notice, even on a Node the SDK warns about", async () => {
    // The SDK reads process.version; this preload makes the CLI look like Node 20 to it.
    const preload = path.join(dir, "node20.js");
    writeFileSync(preload, 'Object.defineProperty(process, "version", { value: "v20.19.0" });\n');
    const { stderr } = await ops(["backup", "list"], {
      ...s3.env,
      BACKUPS_BUCKET: "backups",
      NODE_OPTIONS: `--require ${preload}`,
    });
    expect(stderr).not.toMatch(/NodeVersionSupportWarning|require node >=/);
  });

  it("Ctrl-C during a backup says the unfinished upload is removed by the next run, exit 130", async () => {
    const child = spawn(process.execPath, [CLI_FILE, "backup"], {
      env: {
        PATH: process.env.PATH,
        ...s3.env,
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${silent.port}`,
        DATABASE_URL: db().url,
        BACKUPS_BUCKET: "backups",
      },
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toContain(
      "ops: backup interrupted: nothing partial is listed; the unfinished upload is removed by the next backup run",
    );
  });
});
