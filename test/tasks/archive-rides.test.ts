// Moving old rides to rides_archive on the real PostgreSQL: killed at random points and re-run,
// every ride ends in exactly one table with its content intact; dry run, lock, refusals.
import type { Client } from "pg";
import { archiveRides } from "../../lambdas/tasks/archive-rides";
import { useFreshDatabase } from "../support/db";
import { generateDrivers, generateRides, generateUsers } from "../support/generate";
import { killWhileRunning, seededRandom } from "./support";

const NOW = new Date();
// A fixed cutoff: with "now - 6 months", a ride could cross the boundary while the test runs.
const BEFORE = new Date(NOW.getTime() - 183 * 86_400_000);

describe("archive-rides on 200,000 rides", () => {
  const db = useFreshDatabase();
  let admin: Client;
  let original: { count: number; digest: string; old: number };

  /** Every ride of both tables: how many, which ids twice, and one digest over all columns. */
  async function union() {
    const { rows: [r] } = await admin.query(`
      WITH u AS (SELECT r::text AS t, id FROM public.rides r UNION ALL SELECT a::text, id FROM public.rides_archive a)
      SELECT count(*)::int AS count, count(*) - count(DISTINCT id) AS dup, md5(string_agg(t, '' ORDER BY id)) AS digest FROM u`);
    return r as { count: number; dup: string; digest: string };
  }

  beforeAll(async () => {
    admin = await db().client("supabase_admin");
    await generateUsers(admin, { count: 5_000, seed: 3, now: NOW });
    await generateDrivers(admin, { count: 50, seed: 3, now: NOW });
    await generateRides(admin, { count: 200_000, oldFraction: 0.5, olderThanMonths: 7, seed: 3, now: NOW });
    const { rows: [r] } = await admin.query(`SELECT count(*)::int AS count, md5(string_agg(r::text, '' ORDER BY id)) AS digest,
      count(*) FILTER (WHERE created_at < $1)::int AS old FROM public.rides r`, [BEFORE]);
    original = r;
  });

  it("dry run says exactly what the run then does, and touches nothing", async () => {
    const dry = await archiveRides(db().url, { dryRun: true, batchSize: 5_000, before: BEFORE });
    expect(dry.counts).toEqual({ toMove: original.old, batches: Math.ceil(original.old / 5_000), batchSize: 5_000, createArchive: 1 });
    expect(dry.summary).toContain(`would move ${original.old} rides`);
    expect((await admin.query("SELECT to_regclass('public.rides_archive') AS t")).rows[0].t).toBeNull();
  });

  it("killed at random points and re-run: each ride in exactly one table, content identical, counts right", async () => {
    const random = seededRandom(42);
    let kills = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      const killed = await killWhileRunning(admin, "elegance-ops:archive-rides", 30 + random() * 400, () => archiveRides(db().url, { batchSize: 2_000, before: BEFORE }));
      if (killed) kills++;
      const u = await union().catch(() => undefined); // before the first batch the archive may not exist yet
      if (u) expect({ count: u.count, dup: u.dup, digest: u.digest }).toEqual({ count: original.count, dup: "0", digest: original.digest });
    }
    expect(kills).toBeGreaterThan(0);
    const done = await archiveRides(db().url, { batchSize: 2_000, before: BEFORE });
    expect(done.skipped).toBeUndefined();
    const after = await union();
    expect(after).toEqual({ count: original.count, dup: "0", digest: original.digest });
    const { rows: [t] } = await admin.query(`SELECT (SELECT count(*)::int FROM public.rides WHERE created_at < $1) AS left,
      (SELECT count(*)::int FROM public.rides_archive) AS archived`, [BEFORE]);
    expect(t).toEqual({ left: 0, archived: original.old });
    // Re-running never duplicates: nothing is left to move.
    const again = await archiveRides(db().url, { batchSize: 2_000, before: BEFORE });
    expect(again.counts).toMatchObject({ moved: 0, archiveRows: original.old });
  });

  it("two runs at once: exactly one does the work", async () => {
    await admin.query(`UPDATE public.rides SET created_at = created_at - interval '1 year' WHERE id IN (SELECT id FROM public.rides ORDER BY id DESC LIMIT 20000)`);
    const [a, b] = await Promise.all([archiveRides(db().url, { batchSize: 1_000, before: BEFORE }), archiveRides(db().url, { batchSize: 1_000, before: BEFORE })]);
    const results = [a, b];
    // Whichever got the lock did all the work; the other either saw the lock or found nothing left.
    expect(results.reduce((sum, r) => sum + (r.counts.moved ?? 0), 0)).toBe(20_000);
    expect(results.filter((r) => (r.counts.moved ?? 0) > 0)).toHaveLength(1);
  });

  it("while another run holds the lock: skipped, nothing touched, exit-worthy as success", async () => {
    const holder = await db().client("supabase_admin");
    await holder.query("SELECT pg_advisory_lock(hashtext('elegance-ops:archive-rides'))");
    const skipped = await archiveRides(db().url, { before: BEFORE });
    expect(skipped).toMatchObject({ skipped: "already running", summary: "skipped: already running", counts: {} });
    await holder.query("SELECT pg_advisory_unlock(hashtext('elegance-ops:archive-rides'))");
  });
});

describe("archive-rides refuses", () => {
  const db = useFreshDatabase();

  it("when rides_archive's columns differ, touching nothing", async () => {
    const admin = await db().client("supabase_admin");
    await admin.query("CREATE TABLE public.rides_archive (id bigint PRIMARY KEY, created_at timestamptz)");
    await admin.query("ALTER TABLE public.rides_archive OWNER TO postgres");
    await expect(archiveRides(db().url)).rejects.toThrow(/rides_archive does not have the columns of rides; nothing was moved\. Align the tables first: column 2: rides has user_id uuid, rides_archive has created_at timestamp with time zone/);
  });

  it("rows the guide's INSERT … SELECT already copied: identical copies just leave rides, different ones stop everything", async () => {
    const admin = await db().client("supabase_admin");
    await generateUsers(admin, { count: 100, seed: 4 });
    await generateDrivers(admin, { count: 5, seed: 4 });
    await generateRides(admin, { count: 2_000, oldFraction: 0.5, olderThanMonths: 7, seed: 4 });
    await admin.query("DROP TABLE IF EXISTS public.rides_archive");
    await admin.query("CREATE TABLE public.rides_archive (LIKE public.rides)");
    await admin.query("ALTER TABLE public.rides_archive OWNER TO postgres");
    // The guide's monthly line, run by hand once: copies, never deletes.
    const copied = (await admin.query("INSERT INTO public.rides_archive SELECT * FROM public.rides WHERE created_at < now() - interval '8 months'")).rowCount!;
    await admin.query("UPDATE public.rides_archive SET price_cents = price_cents + 1 WHERE id = (SELECT min(id) FROM public.rides_archive)");
    await expect(archiveRides(db().url)).rejects.toThrow(/are in both tables with different content; nothing was moved/);
    await admin.query("UPDATE public.rides_archive SET price_cents = price_cents - 1 WHERE id = (SELECT min(id) FROM public.rides_archive)");
    const result = await archiveRides(db().url);
    expect(result.counts.alreadyArchived).toBe(copied);
    const { rows: [r] } = await admin.query("SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM public.rides_archive");
    expect(r.n).toBe(r.ids);
  });

  it("a transaction-pooler URL, naming the connection to use instead", async () => {
    const url = new URL(db().url);
    url.port = "6543";
    await expect(archiveRides(url.toString())).rejects.toThrow(/transaction pooler \(port 6543\).*use the direct connection/);
  });
});
