// Moving old rides to rides_archive on the real PostgreSQL: killed at random points and re-run,
// every ride ends in exactly one table with its content intact; dry run, lock, refusals.
// @slow: started first (test/support/sequencer.js)
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
  /** Rides and their archive together (rides alone while a killed first run had not created it yet). */
  async function union() {
    const {
      rows: [exists],
    } = await admin.query("SELECT to_regclass('public.rides_archive') IS NOT NULL AS yes");
    const archive = exists.yes ? "UNION ALL SELECT a::text, id FROM public.rides_archive a" : "";
    const {
      rows: [r],
    } = await admin.query(`
      WITH u AS (SELECT r::text AS t, id FROM public.rides r ${archive})
      SELECT count(*)::int AS count, count(*) - count(DISTINCT id) AS dup, md5(string_agg(t, '' ORDER BY id)) AS digest FROM u`);
    return r as { count: number; dup: string; digest: string };
  }

  beforeAll(async () => {
    admin = await db().client("supabase_admin");
    await generateUsers(admin, { count: 5_000, seed: 3, now: NOW });
    await generateDrivers(admin, { count: 50, seed: 3, now: NOW });
    await generateRides(admin, { count: 200_000, oldFraction: 0.5, olderThanMonths: 7, seed: 3, now: NOW });
    const {
      rows: [r],
    } = await admin.query(
      `SELECT count(*)::int AS count, md5(string_agg(r::text, '' ORDER BY id)) AS digest,
      count(*) FILTER (WHERE created_at < $1)::int AS old FROM public.rides r`,
      [BEFORE],
    );
    original = r;
  });

  it("dry run says exactly what the run then does, and touches nothing", async () => {
    const dry = await archiveRides(db().url, { dryRun: true, batchSize: 5_000, before: BEFORE });
    expect(dry.counts).toEqual({
      toMove: original.old,
      batches: Math.ceil(original.old / 5_000),
      batchSize: 5_000,
      createArchive: 1,
    });
    expect(dry.summary).toContain(
      `would move ${original.old} rides created before ${BEFORE.toISOString()} in at most ${Math.ceil(original.old / 5_000)} batches`,
    );
    expect((await admin.query("SELECT to_regclass('public.rides_archive') AS t")).rows[0].t).toBeNull();
  });

  it("killed at random points and re-run: each ride in exactly one table, content identical, counts right", async () => {
    const random = seededRandom(42);
    let kills = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      const killed = await killWhileRunning(admin, "elegance-ops:archive-rides", 30 + random() * 400, () =>
        archiveRides(db().url, { batchSize: 2_000, before: BEFORE }),
      );
      if (killed) kills++;
      const u = await union();
      expect({ count: u.count, dup: u.dup, digest: u.digest }).toEqual({
        count: original.count,
        dup: "0",
        digest: original.digest,
      });
    }
    expect(kills).toBeGreaterThan(0);
    const done = await archiveRides(db().url, { batchSize: 2_000, before: BEFORE });
    expect(done.skipped).toBeUndefined();
    const after = await union();
    expect(after).toEqual({ count: original.count, dup: "0", digest: original.digest });
    const {
      rows: [t],
    } = await admin.query(
      `SELECT (SELECT count(*)::int FROM public.rides WHERE created_at < $1) AS left,
      (SELECT count(*)::int FROM public.rides_archive) AS archived`,
      [BEFORE],
    );
    expect(t).toEqual({ left: 0, archived: original.old });
    // Re-running never duplicates: nothing is left to move.
    const again = await archiveRides(db().url, { batchSize: 2_000, before: BEFORE });
    expect(again.counts).toMatchObject({ moved: 0, archiveRows: original.old });
  });

  it("two runs at once: exactly one does the work", async () => {
    await admin.query(
      `UPDATE public.rides SET created_at = created_at - interval '1 year' WHERE id IN (SELECT id FROM public.rides ORDER BY id DESC LIMIT 20000)`,
    );
    const [a, b] = await Promise.all([
      archiveRides(db().url, { batchSize: 1_000, before: BEFORE }),
      archiveRides(db().url, { batchSize: 1_000, before: BEFORE }),
    ]);
    const results = [a, b];
    // Whichever got the lock did all the work; the other either saw the lock or found nothing left.
    expect(results.reduce((sum, r) => sum + (r.counts.moved ?? 0), 0)).toBe(20_000);
    expect(results.filter((r) => (r.counts.moved ?? 0) > 0)).toHaveLength(1);
  });

  it("while the app updates old rides and someone copies others by hand: no update lost, none left behind, none twice", async () => {
    // 20,000 more rides become old; the app keeps updating 1,000 of them, one at a time as fast
    // as it can, and the guide's INSERT … SELECT copies 500 others by hand.
    const { rows } = await admin.query<{ id: string }>(
      `UPDATE public.rides SET created_at = created_at - interval '2 years' WHERE id IN (SELECT id FROM public.rides ORDER BY id DESC LIMIT 20000) RETURNING id::text`,
    );
    const hot = rows.slice(0, 1000).map((r) => r.id);
    const copiedIds = rows.slice(-500).map((r) => r.id);
    const priceOf = async (ids: string[]) =>
      new Map(
        (
          await admin.query<{ id: string; price: number }>(
            `SELECT id::text, price_cents AS price FROM (SELECT id, price_cents FROM public.rides UNION ALL SELECT id, price_cents FROM public.rides_archive) u WHERE id = ANY ($1::bigint[])`,
            [ids],
          )
        ).rows.map((r) => [r.id, r.price]),
      );
    const priceBefore = await priceOf(hot);
    const {
      rows: [{ total }],
    } = await admin.query<{ total: number }>(
      "SELECT (SELECT count(*) FROM public.rides) + (SELECT count(*) FROM public.rides_archive) AS total",
    );
    const app = await db().client("supabase_admin");
    const copier = await db().client("supabase_admin");
    const updates = new Map<string, number>();
    let running = true;
    let copying: Promise<number> | undefined;
    // Half-way (the app's updates met straight batches until then), the guide's INSERT … SELECT
    // by hand on rides the task has not reached yet: its batch then meets the copies on the key.
    const copyByHand = () =>
      copier
        .query("INSERT INTO public.rides_archive SELECT * FROM public.rides WHERE id = ANY ($1::bigint[])", [copiedIds])
        .then(
          (r) => r.rowCount ?? 0,
          (error: { code?: string }) => (error.code === "23505" ? 0 : Promise.reject(error)),
        );
    const archiving = archiveRides(db().url, {
      batchSize: 1_000,
      before: BEFORE,
      onProgress: (p) => void (p.done >= p.total / 2 && (copying ??= copyByHand())),
    }).finally(() => (running = false));
    const appUpdates = (async () => {
      for (let i = 0; running; i++) {
        const id = hot[i % hot.length];
        const { rowCount } = await app.query("UPDATE public.rides SET price_cents = price_cents + 1 WHERE id = $1", [
          id,
        ]);
        updates.set(id, (updates.get(id) ?? 0) + (rowCount ?? 0));
      }
    })();
    const [result] = await Promise.all([archiving, appUpdates]);
    const copied = await copying;
    expect(copied).toBeGreaterThan(0);
    expect(result.counts.alreadyArchived).toBe(copied);
    expect(result.details).toMatchObject({ mode: "checked" });
    const priceAfter = await priceOf(hot);
    for (const id of hot) expect(priceAfter.get(id)).toBe(priceBefore.get(id)! + (updates.get(id) ?? 0));
    expect([...updates.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const u = await union();
    expect({ count: u.count, dup: u.dup }).toEqual({ count: Number(total), dup: "0" });
    expect(
      (await admin.query("SELECT count(*)::int AS n FROM public.rides WHERE created_at < $1", [BEFORE])).rows[0].n,
    ).toBe(0);
  });

  it("an app update committed while a batch waits on its row: the batch is redone and archives the updated ride", async () => {
    await admin.query(
      `UPDATE public.rides SET created_at = created_at - interval '2 years' WHERE id IN (SELECT id FROM public.rides ORDER BY id DESC LIMIT 3000)`,
    );
    const {
      rows: [ride],
    } = await admin.query<{ id: string; price: number }>(
      `SELECT id::text, price_cents AS price FROM public.rides WHERE created_at < $1 LIMIT 1`,
      [BEFORE],
    );
    const app = await db().client("supabase_admin");
    await app.query("BEGIN");
    await app.query("UPDATE public.rides SET price_cents = price_cents + 1 WHERE id = $1", [ride.id]);
    const archiving = archiveRides(db().url, { batchSize: 1_000, before: BEFORE });
    // The batch has copied the ride as it was and now waits to delete it: the app commits then.
    for (let waited = 0; ; waited += 20) {
      const {
        rows: [w],
      } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'elegance-ops:archive-rides' AND wait_event_type = 'Lock'",
      );
      if (w.n === 1) break;
      if (waited > 4_000) throw new Error("the archive never waited on the app's row");
      await new Promise((r) => setTimeout(r, 20));
    }
    await app.query("COMMIT");
    const result = await archiving;
    expect(result.details).toMatchObject({ mode: "straight", redoneAfterAppUpdates: 1 });
    expect(result.counts).toMatchObject({ moved: 3000, alreadyArchived: 0 });
    const {
      rows: [where],
    } = await admin.query(
      `SELECT (SELECT count(*)::int FROM public.rides WHERE id = $1) AS rides,
      (SELECT price_cents FROM public.rides_archive WHERE id = $1) AS archived_price`,
      [ride.id],
    );
    expect(where).toEqual({ rides: 0, archived_price: ride.price + 1 });
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
    await expect(archiveRides(db().url)).rejects.toThrow(
      /rides_archive does not have the columns of rides; nothing was moved\. Align the tables first: column 2: rides has user_id uuid, rides_archive has created_at timestamp with time zone/,
    );
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
    const copied = (
      await admin.query(
        "INSERT INTO public.rides_archive SELECT * FROM public.rides WHERE created_at < now() - interval '8 months'",
      )
    ).rowCount!;
    await admin.query(
      "UPDATE public.rides_archive SET price_cents = price_cents + 1 WHERE id = (SELECT min(id) FROM public.rides_archive)",
    );
    await expect(archiveRides(db().url)).rejects.toThrow(
      /are in both tables with different content; nothing was moved/,
    );
    await admin.query(
      "UPDATE public.rides_archive SET price_cents = price_cents - 1 WHERE id = (SELECT min(id) FROM public.rides_archive)",
    );
    const result = await archiveRides(db().url);
    expect(result.counts.alreadyArchived).toBe(copied);
    const {
      rows: [r],
    } = await admin.query("SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM public.rides_archive");
    expect(r.n).toBe(r.ids);
  });

  it("a transaction-pooler URL, naming the connection to use instead", async () => {
    const url = new URL(db().url);
    url.port = "6543";
    await expect(archiveRides(url.toString())).rejects.toThrow(
      /transaction pooler \(port 6543\).*use the direct connection/,
    );
  });
});
