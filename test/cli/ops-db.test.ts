// `npm run ops -- db …` as an operator types it, against the test bed's PostgreSQL.
import type { Client } from "pg";
import { useFreshDatabase } from "../support/db";
import { generateDrivers, generateRides, generateSessions, generateUsers } from "../support/generate";
import { ops } from "./support";

describe("ops db", () => {
  const db = useFreshDatabase();
  let admin: Client;
  beforeAll(async () => {
    admin = await db().client("supabase_admin");
    await generateUsers(admin, { count: 500, seed: 9 });
    await generateDrivers(admin, { count: 10, seed: 9 });
    await generateSessions(admin, { count: 2_000, expiredFraction: 0.5, seed: 9 });
    await generateRides(admin, { count: 5_000, oldFraction: 0.5, olderThanMonths: 12, seed: 9 });
  });
  const env = () => ({ DATABASE_URL: db().url });

  it("archive-rides: the dry run announces what the run then does", async () => {
    const {
      rows: [{ old }],
    } = await admin.query(
      "SELECT count(*)::int AS old FROM public.rides WHERE created_at < now() - interval '6 months'",
    );
    const dry = await ops(["db", "archive-rides", "--dry-run", "--json", "--batch-size", "1000"], env());
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).counts).toMatchObject({ toMove: old, batches: Math.ceil(old / 1000) });
    const real = await ops(["db", "archive-rides", "--batch-size", "1000"], env());
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(new RegExp(`^archive-rides: moved ${old} rides created before `));
    expect(real.stderr).toMatch(/archive-rides: \d+\/\d+ \(\d+%\) [\d.]+ rides\/s, ETA \d+ s/);
  });

  it("clean-sessions and vacuum run; a bad flag value is a usage error", async () => {
    const dry = await ops(["db", "clean-sessions", "--dry-run"], env());
    expect(dry.stdout).toMatch(
      /^clean-sessions \(dry run\): would delete \d+ sessions \(not_after older than 30 days\)/,
    );
    const real = await ops(["db", "clean-sessions", "--json"], env());
    expect(JSON.parse(real.stdout).counts.sessions).toBeGreaterThan(0);
    const vacuum = await ops(["db", "vacuum", "--schema", "public"], env());
    expect(vacuum.code).toBe(0);
    expect(vacuum.stdout).toMatch(/^vacuum-analyze: VACUUM \(ANALYZE\) done on \d+ tables/);
    const bad = await ops(["db", "archive-rides", "--batch-size", "zero"], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--batch-size must be a positive integer");
  });

  it("reindex: nothing to rebuild on a healthy database, in the dry run and for real", async () => {
    expect((await ops(["db", "reindex", "--dry-run"], env())).stdout).toBe(
      "reindex (dry run): nothing to rebuild in public\n",
    );
    expect((await ops(["db", "reindex"], env())).stdout).toBe("reindex: nothing to rebuild in public\n");
  });

  it("check: the database checks as a table", async () => {
    const { code, stdout } = await ops(["db", "check"], env());
    expect(stdout).toContain("check-list db:");
    expect(stdout).toMatch(/database-reachable\s*│ ok/);
    for (const id of ["vacuum", "wraparound", "sequences", "activity", "primary-keys", "large-tables", "indexes"])
      expect(stdout).toContain(id);
    expect([0, 1]).toContain(code);
  });
});
