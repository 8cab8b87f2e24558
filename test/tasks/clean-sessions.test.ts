// Expired sessions cleanup on the real PostgreSQL (Supabase's auth schema, cascades included):
// killed and re-run, dry run against the real run, untouched live sessions, one run at a time.
import type { Client } from "pg";
import { cleanSessions } from "../../lambdas/tasks/clean-sessions";
import { useFreshDatabase } from "../support/db";
import { generateSessions, generateUsers } from "../support/generate";
import { killWhileRunning, seededRandom } from "./support";

describe("clean-sessions", () => {
  const db = useFreshDatabase();
  let admin: Client;
  let expected: { sessions: number; refreshTokens: number; mfaAmrClaims: number };
  let survivors: string;

  /** Digest of the rows that must survive: live sessions and everything hanging from them. */
  const survivorDigest = async () =>
    (
      await admin.query(`
      SELECT md5(string_agg(t, '' ORDER BY t)) AS d FROM (
        SELECT s::text AS t FROM auth.sessions s WHERE NOT (s.not_after IS NOT NULL AND s.not_after < now() - interval '30 days')
        UNION ALL SELECT r::text FROM auth.refresh_tokens r JOIN auth.sessions s ON s.id = r.session_id
          WHERE NOT (s.not_after IS NOT NULL AND s.not_after < now() - interval '30 days')
        UNION ALL SELECT m::text FROM auth.mfa_amr_claims m JOIN auth.sessions s ON s.id = m.session_id
          WHERE NOT (s.not_after IS NOT NULL AND s.not_after < now() - interval '30 days')) x`)
    ).rows[0].d as string;

  beforeAll(async () => {
    admin = await db().client("supabase_admin");
    await generateUsers(admin, { count: 5_000, seed: 5 });
    await generateSessions(admin, { count: 40_000, expiredFraction: 0.5, seed: 5 });
    const {
      rows: [r],
    } = await admin.query(`
      WITH v AS (SELECT id FROM auth.sessions WHERE not_after < now() - interval '30 days')
      SELECT (SELECT count(*)::int FROM v) AS sessions,
             (SELECT count(*)::int FROM auth.refresh_tokens WHERE session_id IN (SELECT id FROM v)) AS "refreshTokens",
             (SELECT count(*)::int FROM auth.mfa_amr_claims WHERE session_id IN (SELECT id FROM v)) AS "mfaAmrClaims"`);
    expected = r;
    survivors = await survivorDigest();
    expect(expected.sessions).toBeGreaterThan(10_000);
  });

  it("dry run counts exactly what is expired, cascades included, and deletes nothing", async () => {
    const dry = await cleanSessions(db().url, { dryRun: true, batchSize: 1_000 });
    expect(dry.counts).toEqual({ ...expected, batches: Math.ceil(expected.sessions / 1_000), batchSize: 1_000 });
    expect(
      (await admin.query("SELECT count(*)::int AS n FROM auth.sessions WHERE not_after < now() - interval '30 days'"))
        .rows[0].n,
    ).toBe(expected.sessions);
  });

  it("killed and re-run: expired sessions and only their tokens and claims are gone; live ones untouched", async () => {
    const random = seededRandom(7);
    let kills = 0;
    for (let i = 0; i < 3; i++) {
      if (
        await killWhileRunning(admin, "elegance-ops:clean-sessions", 20 + random() * 200, () =>
          cleanSessions(db().url, { batchSize: 500 }),
        )
      )
        kills++;
      expect(await survivorDigest()).toBe(survivors);
    }
    expect(kills).toBeGreaterThan(0);
    await cleanSessions(db().url, { batchSize: 500 });
    const {
      rows: [left],
    } = await admin.query(`SELECT
      (SELECT count(*)::int FROM auth.sessions WHERE not_after < now() - interval '30 days') AS expired,
      (SELECT count(*)::int FROM auth.refresh_tokens r WHERE r.session_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM auth.sessions s WHERE s.id = r.session_id)) AS orphans,
      (SELECT count(*)::int FROM auth.sessions WHERE not_after IS NULL) AS untimed`);
    expect(left.expired).toBe(0);
    expect(left.orphans).toBe(0);
    expect(left.untimed).toBeGreaterThan(0);
    expect(await survivorDigest()).toBe(survivors);
  });

  it("on a clean database says there is nothing to delete, not who cleaned them (issue 19: it credited Supabase Auth after our own run)", async () => {
    const again = await cleanSessions(db().url);
    expect(again.counts.sessions).toBe(0);
    expect(again.summary).toBe(
      "no session matched (not_after older than 30 days): nothing to delete (an earlier run or Supabase Auth removed them)",
    );
  });

  it("two runs at once: exactly one does the work", async () => {
    await admin.query(
      "UPDATE auth.sessions SET not_after = now() - interval '40 days' WHERE id IN (SELECT id FROM auth.sessions WHERE not_after IS NOT NULL ORDER BY id LIMIT 3000)",
    );
    const results = await Promise.all([
      cleanSessions(db().url, { batchSize: 200 }),
      cleanSessions(db().url, { batchSize: 200 }),
    ]);
    // Whichever got the lock did all the work; the other either saw the lock or found nothing left.
    expect(results.reduce((sum, r) => sum + (r.counts.sessions ?? 0), 0)).toBe(3000);
    expect(results.filter((r) => (r.counts.sessions ?? 0) > 0)).toHaveLength(1);
  });

  it("while another run holds the lock: skipped, nothing touched, exit-worthy as success", async () => {
    const holder = await db().client("supabase_admin");
    await holder.query("SELECT pg_advisory_lock(hashtext('elegance-ops:clean-sessions'))");
    const skipped = await cleanSessions(db().url);
    expect(skipped).toMatchObject({ skipped: "already running", summary: "skipped: already running", counts: {} });
    await holder.query("SELECT pg_advisory_unlock(hashtext('elegance-ops:clean-sessions'))");
  });

  it("the real run deletes and counts exactly what the dry run announced, cascaded rows included", async () => {
    await admin.query(
      "UPDATE auth.sessions SET not_after = now() - interval '45 days' WHERE id IN (SELECT id FROM auth.sessions WHERE not_after IS NOT NULL ORDER BY id LIMIT 2500)",
    );
    const {
      rows: [children],
    } = await admin.query(`
      WITH v AS (SELECT id FROM auth.sessions WHERE not_after < now() - interval '30 days')
      SELECT (SELECT count(*)::int FROM v) AS sessions,
             (SELECT count(*)::int FROM auth.refresh_tokens WHERE session_id IN (SELECT id FROM v)) AS "refreshTokens",
             (SELECT count(*)::int FROM auth.mfa_amr_claims WHERE session_id IN (SELECT id FROM v)) AS "mfaAmrClaims"`);
    expect(children.refreshTokens).toBeGreaterThan(0);
    expect(children.mfaAmrClaims).toBeGreaterThan(0);
    const dry = await cleanSessions(db().url, { dryRun: true, batchSize: 300 });
    const real = await cleanSessions(db().url, { batchSize: 300 });
    expect(dry.counts).toMatchObject(children);
    expect(real.counts).toMatchObject(children);
  });

  it("the optional inactivity rule also removes sessions not refreshed for N days, never by not_after alone", async () => {
    await admin.query(
      "UPDATE auth.sessions SET not_after = NULL, refreshed_at = now() - interval '100 days' WHERE id IN (SELECT id FROM auth.sessions ORDER BY id LIMIT 50)",
    );
    const dry = await cleanSessions(db().url, { dryRun: true });
    expect(dry.counts.sessions).toBe(0);
    const inactive = await cleanSessions(db().url, { inactiveDays: 90 });
    expect(inactive.counts.sessions).toBeGreaterThanOrEqual(50);
  });
});
