// VACUUM (ANALYZE) table by table as Supabase's non-superuser `postgres`: public tables done,
// auth's (owned by supabase_auth_admin) reported as skipped from PostgreSQL's own warning,
// a table the app holds locked skipped without waiting.
import { vacuumAnalyze } from "../../lambdas/tasks/vacuum-analyze";
import { useFreshDatabase } from "../support/db";

describe("vacuum-analyze", () => {
  const db = useFreshDatabase();

  it("dry run lists the tables, one at a time", async () => {
    const dry = await vacuumAnalyze(db().url, { dryRun: true });
    expect(dry.details).toEqual(expect.arrayContaining(["public.rides", "public.drivers", "auth.sessions"]));
    expect(dry.counts.tables).toBe((dry.details as string[]).length);
  });

  it("vacuums what it may, reads PostgreSQL's 'skipping' warnings for what it may not, and skips locked tables", async () => {
    const app = await db().client("postgres");
    await app.query("BEGIN");
    await app.query("LOCK TABLE public.drivers IN ACCESS EXCLUSIVE MODE");
    const result = await vacuumAnalyze(db().url);
    await app.query("ROLLBACK");
    const details = result.details as { vacuumed: string[]; skipped: { table: string; reason: string }[] };
    expect(details.vacuumed).toContain("public.rides");
    const reasons = Object.fromEntries(details.skipped.map((s) => [s.table, s.reason]));
    expect(reasons["auth.sessions"]).toMatch(
      /skipping "sessions" --- only table or database owner can vacuum it|permission denied/,
    );
    expect(reasons["public.drivers"]).toMatch(/skipping vacuum of "drivers" --- lock not available|lock timeout/);
    expect(result.counts).toEqual({ vacuumed: details.vacuumed.length, skipped: details.skipped.length });
    expect(result.summary).toContain("public.drivers");
    // Vacuumed for real: PostgreSQL recorded it.
    const { rows } = await app.query(
      "SELECT last_vacuum IS NOT NULL AS done FROM pg_stat_user_tables WHERE relid = 'public.rides'::regclass",
    );
    expect(rows[0].done).toBe(true);
  });
});
