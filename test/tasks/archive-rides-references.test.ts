// Archiving rides that other tables reference, on the real PostgreSQL: whatever the foreign
// keys' ON DELETE (CASCADE, SET NULL, RESTRICT), the archive never deletes nor changes a row of
// another table; referenced rides stay, or move with the dependents listed, children first.
// Killed at random points and re-run, every row of every table is in exactly one place.
import type { Client } from "pg";
import { archiveRides } from "../../lambdas/tasks/archive-rides";
import { useFreshDatabase } from "../support/db";
import { generateDrivers, generateRides, generateUsers } from "../support/generate";
import { killWhileRunning, seededRandom } from "./support";

const NOW = new Date();
const BEFORE = new Date(NOW.getTime() - 183 * 86_400_000);
const APP = "elegance-ops:archive-rides";

/** count, ids twice, and a digest over all rows of `tables` together (a table and its archive). */
async function whole(admin: Client, tables: string[], key = "id") {
  const u = tables.map((t) => `SELECT x::text AS t, x.${key} AS k FROM ${t} x`).join(" UNION ALL ");
  const {
    rows: [r],
  } = await admin.query(
    `WITH u AS (${u}) SELECT count(*)::int AS count, (count(*) - count(DISTINCT k))::int AS dup, md5(string_agg(t, '' ORDER BY k)) AS digest FROM u`,
  );
  return r as { count: number; dup: number; digest: string };
}

async function seed(admin: Client, rides: number, seedNo: number) {
  await generateUsers(admin, { count: 1_000, seed: seedNo, now: NOW });
  await generateDrivers(admin, { count: 20, seed: seedNo, now: NOW });
  await generateRides(admin, { count: rides, oldFraction: 0.5, olderThanMonths: 7, seed: seedNo, now: NOW });
}

/** Creates a table as supabase_admin (like the fixture) owned by postgres, the task's role. */
async function table(admin: Client, sql: string, name: string, fill: string) {
  await admin.query(sql);
  await admin.query(`ALTER TABLE ${name} OWNER TO postgres`);
  await admin.query(fill);
  await admin.query(`ANALYZE ${name}`);
}

async function killAndRerun(
  admin: Client,
  url: string,
  options: Parameters<typeof archiveRides>[1],
  check: () => Promise<void>,
) {
  const random = seededRandom(7);
  let kills = 0;
  for (let attempt = 0; attempt < 4; attempt++) {
    if (await killWhileRunning(admin, APP, 30 + random() * 300, () => archiveRides(url, options))) kills++;
    await check();
  }
  expect(kills).toBeGreaterThan(0);
  const done = await archiveRides(url, options);
  await check();
  return done;
}

describe("archive-rides with tables referencing rides (CASCADE, SET NULL, RESTRICT): referenced rides stay", () => {
  const db = useFreshDatabase();
  let admin: Client;
  const snapshot: Record<string, string> = {};
  let rides: { count: number; digest: string };
  let expectedKept: { total: number; payments: number; ratings: number; disputes: number };

  beforeAll(async () => {
    admin = await db().client("supabase_admin");
    await seed(admin, 40_000, 5);
    // Payments for every 3rd ride, ratings for every 5th, disputes for every 50th; old and new.
    await table(
      admin,
      "CREATE TABLE public.ride_payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ride_id bigint NOT NULL REFERENCES public.rides ON DELETE CASCADE, amount_cents int NOT NULL); CREATE INDEX ON public.ride_payments (ride_id)",
      "public.ride_payments",
      "INSERT INTO public.ride_payments (ride_id, amount_cents) SELECT id, price_cents FROM public.rides WHERE id % 3 = 0",
    );
    await table(
      admin,
      "CREATE TABLE public.ride_ratings (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ride_id bigint REFERENCES public.rides ON DELETE SET NULL, stars int NOT NULL); CREATE INDEX ON public.ride_ratings (ride_id)",
      "public.ride_ratings",
      "INSERT INTO public.ride_ratings (ride_id, stars) SELECT id, 1 + id % 5 FROM public.rides WHERE id % 5 = 0",
    );
    await table(
      admin,
      "CREATE TABLE public.ride_disputes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ride_id bigint NOT NULL REFERENCES public.rides ON DELETE RESTRICT, reason text); CREATE INDEX ON public.ride_disputes (ride_id)",
      "public.ride_disputes",
      "INSERT INTO public.ride_disputes (ride_id, reason) SELECT id, 'late driver' FROM public.rides WHERE id % 50 = 0",
    );
    for (const t of ["public.ride_payments", "public.ride_ratings", "public.ride_disputes"])
      snapshot[t] = (await whole(admin, [t])).digest;
    rides = await whole(admin, ["public.rides"]);
    const {
      rows: [k],
    } = await admin.query(
      `SELECT count(*) FILTER (WHERE id % 3 = 0 OR id % 5 = 0 OR id % 50 = 0)::int AS total,
      count(*) FILTER (WHERE id % 3 = 0)::int AS payments, count(*) FILTER (WHERE id % 5 = 0)::int AS ratings, count(*) FILTER (WHERE id % 50 = 0)::int AS disputes
      FROM public.rides WHERE created_at < $1`,
      [BEFORE],
    );
    expectedKept = k;
  });

  async function unchanged() {
    for (const [t, digest] of Object.entries(snapshot))
      expect(`${t} ${(await whole(admin, [t])).digest}`).toBe(`${t} ${digest}`);
    const archived = await admin.query("SELECT to_regclass('public.rides_archive') AS t");
    if (archived.rows[0].t === null) return;
    expect(await whole(admin, ["public.rides", "public.rides_archive"])).toEqual({
      count: rides.count,
      dup: 0,
      digest: rides.digest,
    });
    // No archived ride is referenced: every dependent's ride is still in rides.
    const {
      rows: [o],
    } = await admin.query(
      `SELECT count(*)::int AS n FROM public.rides_archive a WHERE a.id % 3 = 0 OR a.id % 5 = 0 OR a.id % 50 = 0`,
    );
    expect(o.n).toBe(0);
  }

  it("dry run: how many old rides each referencing table keeps, and the plan", async () => {
    const dry = await archiveRides(db().url, { dryRun: true, batchSize: 2_000, before: BEFORE });
    const {
      rows: [old],
    } = await admin.query("SELECT count(*)::int AS n FROM public.rides WHERE created_at < $1", [BEFORE]);
    expect(dry.counts).toMatchObject({ toMove: old.n - expectedKept.total, kept: expectedKept.total });
    expect(dry.details).toMatchObject({
      keptBy: {
        "public.ride_payments": expectedKept.payments,
        "public.ride_ratings": expectedKept.ratings,
        "public.ride_disputes": expectedKept.disputes,
      },
    });
    expect(dry.summary).toContain(
      "public.ride_payments (ride_payments_ride_id_fkey, ON DELETE CASCADE) keeps the rides it references",
    );
    expect(dry.summary).toMatch(
      new RegExp(
        `kept: .*${expectedKept.payments.toLocaleString("en")} rides still referenced by public\\.ride_payments`,
      ),
    );
    await unchanged();
  });

  it("killed and re-run: rides moved once, referenced ones kept, not one dependent row changed", async () => {
    const done = await killAndRerun(admin, db().url, { batchSize: 1_000, before: BEFORE }, unchanged);
    expect(done.counts.kept).toBe(expectedKept.total);
    expect(done.summary).toMatch(
      new RegExp(
        `kept: .*${expectedKept.payments.toLocaleString("en")} rides still referenced by public\\.ride_payments`,
      ),
    );
    const {
      rows: [left],
    } = await admin.query("SELECT count(*)::int AS n FROM public.rides WHERE created_at < $1", [BEFORE]);
    expect(left.n).toBe(expectedKept.total);
  });

  it("a payment inserted for a ride while its batch waits: the batch is redone, ride and payment stay", async () => {
    await admin.query(
      `UPDATE public.rides SET created_at = created_at - interval '2 years' WHERE id IN (SELECT id FROM public.rides WHERE created_at >= $1 AND id % 3 <> 0 AND id % 5 <> 0 AND id % 50 <> 0 ORDER BY id DESC LIMIT 3000)`,
      [BEFORE],
    );
    const {
      rows: [ride],
    } = await admin.query<{ id: string }>(
      `SELECT id::text FROM public.rides WHERE created_at < $1 AND id % 3 <> 0 AND id % 5 <> 0 AND id % 50 <> 0 LIMIT 1`,
      [BEFORE],
    );
    const app = await db().client("supabase_admin");
    await app.query("BEGIN");
    await app.query("INSERT INTO public.ride_payments (ride_id, amount_cents) VALUES ($1, 4200)", [ride.id]);
    const archiving = archiveRides(db().url, { batchSize: 1_000, before: BEFORE });
    for (let waited = 0; ; waited += 20) {
      const {
        rows: [w],
      } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        [APP],
      );
      if (w.n === 1) break;
      if (waited > 4_000) throw new Error("the archive never waited on the app's payment");
      await new Promise((r) => setTimeout(r, 20));
    }
    await app.query("COMMIT");
    const result = await archiving;
    expect(result.details).toMatchObject({ redoneAfterAppUpdates: 1 });
    expect(result.counts).toMatchObject({ moved: 2999 });
    const {
      rows: [where],
    } = await admin.query(
      `SELECT (SELECT count(*)::int FROM public.rides WHERE id = $1) AS rides,
      (SELECT count(*)::int FROM public.ride_payments WHERE ride_id = $1) AS payments`,
      [ride.id],
    );
    expect(where).toEqual({ rides: 1, payments: 1 });
  });
});

describe("archive-rides with withDependents: payments and their refunds move with their ride", () => {
  const db = useFreshDatabase();
  let admin: Client;
  const original: Record<string, { count: number; dup: number; digest: string }> = {};
  const families = [
    ["public.rides", "public.rides_archive"],
    ["public.ride_payments", "public.ride_payments_archive"],
    ["public.payment_refunds", "public.payment_refunds_archive"],
  ];

  beforeAll(async () => {
    admin = await db().client("supabase_admin");
    await seed(admin, 30_000, 6);
    // One payment per ride (every 7th has a second), a refund for every 10th payment; ratings (not listed) for every 11th ride.
    await table(
      admin,
      "CREATE TABLE public.ride_payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ride_id bigint NOT NULL REFERENCES public.rides ON DELETE CASCADE, amount_cents int NOT NULL); CREATE INDEX ON public.ride_payments (ride_id)",
      "public.ride_payments",
      "INSERT INTO public.ride_payments (ride_id, amount_cents) SELECT id, price_cents FROM public.rides, generate_series(1, CASE WHEN id % 7 = 0 THEN 2 ELSE 1 END)",
    );
    await table(
      admin,
      "CREATE TABLE public.payment_refunds (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payment_id bigint NOT NULL REFERENCES public.ride_payments ON DELETE CASCADE, amount_cents int NOT NULL); CREATE INDEX ON public.payment_refunds (payment_id)",
      "public.payment_refunds",
      "INSERT INTO public.payment_refunds (payment_id, amount_cents) SELECT id, amount_cents / 2 FROM public.ride_payments WHERE id % 10 = 0",
    );
    await table(
      admin,
      "CREATE TABLE public.ride_ratings (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ride_id bigint REFERENCES public.rides ON DELETE SET NULL, stars int NOT NULL); CREATE INDEX ON public.ride_ratings (ride_id)",
      "public.ride_ratings",
      "INSERT INTO public.ride_ratings (ride_id, stars) SELECT id, 4 FROM public.rides WHERE id % 11 = 0",
    );
    for (const [t] of families) original[t] = await whole(admin, [t]);
    original.ratings = await whole(admin, ["public.ride_ratings"]);
  });

  /** Every row of every table in exactly one place; a ride, its payments and their refunds always together. */
  async function together() {
    for (const [t, a] of families) {
      const present = (await admin.query("SELECT to_regclass($1) AS t", [a])).rows[0].t !== null;
      expect(await whole(admin, present ? [t, a] : [t])).toEqual(original[t]);
    }
    expect(await whole(admin, ["public.ride_ratings"])).toEqual(original.ratings);
    if ((await admin.query("SELECT to_regclass('public.payment_refunds_archive') AS t")).rows[0].t === null) return;
    const {
      rows: [split],
    } = await admin.query(`SELECT
      (SELECT count(*)::int FROM public.ride_payments p JOIN public.rides_archive r ON r.id = p.ride_id) +
      (SELECT count(*)::int FROM public.ride_payments_archive p JOIN public.rides r ON r.id = p.ride_id) +
      (SELECT count(*)::int FROM public.payment_refunds f JOIN public.ride_payments_archive p ON p.id = f.payment_id) +
      (SELECT count(*)::int FROM public.payment_refunds_archive f JOIN public.ride_payments p ON p.id = f.payment_id) +
      (SELECT count(*)::int FROM public.rides_archive WHERE id % 11 = 0) AS n`);
    expect(split.n).toBe(0);
  }

  it("refuses a listed table that does not exist or does not reference rides, touching nothing", async () => {
    await expect(archiveRides(db().url, { before: BEFORE, withDependents: ["public.ride_paymentz"] })).rejects.toThrow(
      /withDependents lists public\.ride_paymentz, which does not exist; nothing was moved/,
    );
    await expect(archiveRides(db().url, { before: BEFORE, withDependents: ["public.drivers"] })).rejects.toThrow(
      /withDependents lists public\.drivers, which reference\(s\) neither public\.rides nor another listed table/,
    );
    expect((await admin.query("SELECT to_regclass('public.rides_archive') AS t")).rows[0].t).toBeNull();
  });

  it("payments listed but not their refunds: rides whose payments have refunds stay", async () => {
    const dry = await archiveRides(db().url, {
      dryRun: true,
      before: BEFORE,
      withDependents: ["public.ride_payments"],
    });
    const {
      rows: [k],
    } = await admin.query(
      `SELECT count(DISTINCT r.id)::int AS n FROM public.rides r JOIN public.ride_payments p ON p.ride_id = r.id JOIN public.payment_refunds f ON f.payment_id = p.id WHERE r.created_at < $1`,
      [BEFORE],
    );
    expect(dry.details).toMatchObject({ keptBy: { "public.payment_refunds": k.n } });
    expect(dry.summary).toContain("rows of public.ride_payments move with their rides to public.ride_payments_archive");
  });

  it("killed and re-run, refunds then payments then rides in one transaction: every row in one place, together", async () => {
    const options = {
      batchSize: 1_000,
      before: BEFORE,
      withDependents: ["public.ride_payments", "public.payment_refunds"],
    };
    const done = await killAndRerun(admin, db().url, options, together);
    const {
      rows: [t],
    } = await admin.query(
      `SELECT (SELECT count(*)::int FROM public.rides WHERE created_at < $1) AS left,
      (SELECT count(*)::int FROM public.rides WHERE created_at < $1 AND id % 11 = 0) AS rated,
      (SELECT count(*)::int FROM public.ride_payments_archive) AS payments, (SELECT count(*)::int FROM public.payment_refunds_archive) AS refunds`,
      [BEFORE],
    );
    expect(t.left).toBe(t.rated);
    expect(done.counts.kept).toBe(t.rated);
    expect(t.payments).toBeGreaterThan(0);
    expect(t.refunds).toBeGreaterThan(0);
    expect(done.summary).toContain(
      `kept: ${t.rated.toLocaleString("en")} rides still referenced by public.ride_ratings`,
    );
  });
});
