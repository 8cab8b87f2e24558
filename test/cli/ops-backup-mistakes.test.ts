// Issue 19, as an operator mistypes `ops backup …` and `ops restore …`: each mistake is named
// (the flag, the object, the closest name) and exits 2 before anything is downloaded or restored.
import { useFreshDatabase } from "../support/db";
import { startS3, type TestS3 } from "../support/s3";
import { emptyDatabase } from "../backup/support";
import { ops } from "./support";

describe("ops backup and ops restore: mistakes named (issue 19)", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let key: string;
  const env = () => ({ ...s3.env, DATABASE_URL: db().url, BACKUPS_BUCKET: "backups" });

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket("backups");
    const made = await ops(["backup", "--json"], env());
    if (made.code !== 0) throw new Error(made.stderr);
    key = JSON.parse(made.stdout).manifest.key;
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it("the production guard asks the servers: localhost for 127.0.0.1, a trailing dot, another user", async () => {
    const prod = new URL(db().url);
    for (const host of ["localhost", "localhost.", "127.0.0.1."]) {
      const alias = new URL(db().superuserUrl);
      alias.hostname = host;
      const r = await ops(["restore", "--target", alias.toString()], env());
      expect({ host, code: r.code, stderr: r.stderr }).toEqual({
        host,
        code: 2,
        stderr: expect.stringContaining(
          "--target is the production database (the same server and database as --database-url); refusing",
        ),
      });
    }
    // The same server, another database: not production.
    const other = await emptyDatabase(`guard_${process.pid}`);
    try {
      const r = await ops(
        ["restore", "--target", other.url.replace("127.0.0.1", "localhost"), "--table", "public.drivers"],
        env(),
      );
      expect(r.stderr).not.toContain("production");
      expect(r.code).toBe(0);
    } finally {
      await other.drop();
    }
    expect(prod.hostname).toBe("127.0.0.1");
  });

  it("--table not in the backup, --backup that does not exist, --target that is not a URL: exit 2, named", async () => {
    const target = await emptyDatabase(`mistakes_${process.pid}`);
    try {
      const nope = await ops(
        ["restore", "--target", target.url, "--table", "public.nope", "--table", "public.ride"],
        env(),
      );
      expect(nope.code).toBe(2);
      expect(nope.stderr).toBe(
        `ops: --table: not in backup ${key}: public.nope; public.ride (closest: public.rides); nothing was restored\n`,
      );
      const missing = await ops(["restore", "--target", target.url, "--backup", "nope"], env());
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(
        "ops: --backup nope: s3://backups/nope does not exist (run `ops backup list` for the complete backups)\n",
      );
      const bad = await ops(["restore", "--target", "notaurl"], env());
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("ops: --target: not a postgresql:// URL with a host");
      const refused = await ops(["restore", "--target", "postgres://u:secret@127.0.0.1:1/x"], env());
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^ops: --target postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x does not accept the connection: .*; nothing was downloaded\n$/,
      );
    } finally {
      await target.drop();
    }
  });

  it("backup: a mistyped command is named with the closest; parts over S3's 5 GiB are refused", async () => {
    const typo = await ops(["backup", "lsit"], env());
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      "ops: backup: unknown command 'lsit' (did you mean list?); the commands are run, list, drill\n",
    );
    const big = await ops(["backup", "run", "--part-size-mb", "100000"], env());
    expect(big.code).toBe(2);
    expect(big.stderr).toContain("--part-size-mb must be at most 5120 (S3's largest part, 5 GiB), got 100000");
  });

  it("drill: --scratch-url that is not a URL, --pg-bindir without the server programs", async () => {
    const url = await ops(["backup", "drill", "--scratch-url", "notaurl"], env());
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("ops: --scratch-url (or SCRATCH_DATABASE_URL) is not a postgresql:// URL");
    const bindir = await ops(["backup", "drill", "--pg-bindir", "/nonexistent/bin"], env());
    expect(bindir.code).toBe(2);
    expect(bindir.stderr).toBe(
      'ops: --pg-bindir (or PG_SERVER_BINDIR) "/nonexistent/bin" has no initdb and postgres: give the directory of PostgreSQL\'s server binaries (pg_config --bindir)\n',
    );
  });
});
