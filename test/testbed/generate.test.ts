// The data generator: realistic volumes in seconds, exact category counts, deterministic by seed.
import type { Client } from "pg";
import { freshDatabase, useFreshDatabase, type TestDatabase } from "../support/db";
import { generateDrivers, generateRides, generateSessions, generateUsers } from "../support/generate";

const NOW = new Date("2026-06-01T12:00:00Z");

async function seed(c: Client, o: { users: number; rides: number; sessions: number; seed: number }) {
  await generateUsers(c, { count: o.users, seed: o.seed, now: NOW });
  await generateDrivers(c, { count: 50, seed: o.seed, now: NOW });
  await generateSessions(c, { count: o.sessions, expiredFraction: 0.3, seed: o.seed, now: NOW });
  await generateRides(c, { count: o.rides, oldFraction: 0.4, olderThanMonths: 12, seed: o.seed, now: NOW });
}

/** One digest over every generated row of every table. */
async function digest(c: Client): Promise<string> {
  const tables = [
    "auth.users",
    "public.drivers",
    "auth.sessions",
    "auth.refresh_tokens",
    "auth.mfa_amr_claims",
    "public.rides",
  ];
  const parts: string[] = [];
  for (const t of tables) {
    parts.push((await c.query(`SELECT md5(string_agg(md5(x::text), '' ORDER BY x::text)) AS d FROM ${t} x`)).rows[0].d);
  }
  return parts.join(":");
}

// A quarter of the demo's volumes: enough for the proportions; the speed is bench/generate's.
describe("50,000 rides and 10,000 sessions", () => {
  const db = useFreshDatabase();
  let c: Client;
  beforeAll(async () => {
    c = await db().client("supabase_admin");
    const t0 = Date.now();
    await seed(c, { users: 2_500, rides: 50_000, sessions: 10_000, seed: 7 });
    console.log(`generated 2.5k users, 10k sessions, 50k rides in ${Date.now() - t0} ms`);
  });

  test("rides split exactly into old and recent around the month boundary", async () => {
    const r = await c.query(
      `
      SELECT count(*) FILTER (WHERE created_at < $1::timestamptz - interval '12 months')::int AS old,
             count(*) FILTER (WHERE created_at >= $1::timestamptz - interval '12 months')::int AS recent,
             count(*) FILTER (WHERE created_at BETWEEN $1::timestamptz - interval '12 months' - interval '1 day'
                                                   AND $1::timestamptz - interval '12 months' + interval '1 day')::int AS at_edge,
             count(*) FILTER (WHERE created_at > $1)::int AS future,
             count(*) FILTER (WHERE user_id IS NULL)::int AS no_user
      FROM public.rides`,
      [NOW],
    );
    expect(r.rows[0]).toEqual({ old: 20_000, recent: 30_000, at_edge: 0, future: 0, no_user: 0 });
  });

  test("ride rows look like real bookings", async () => {
    const s = await c.query(`SELECT status::text, count(*)::int AS n FROM public.rides GROUP BY 1`);
    const byStatus = Object.fromEntries(s.rows.map((x) => [x.status, x.n]));
    expect(byStatus.completed / 50_000).toBeCloseTo(0.85, 1);
    expect(Object.keys(byStatus).sort()).toEqual([
      "accepted",
      "cancelled",
      "completed",
      "en_route",
      "in_progress",
      "requested",
    ]);
    const bad = await c.query(
      `
      SELECT count(*) FILTER (WHERE status = 'completed' AND (dropped_off_at IS NULL OR picked_up_at IS NULL OR driver_id IS NULL))::int AS a,
             count(*) FILTER (WHERE status = 'requested' AND driver_id IS NOT NULL)::int AS b,
             count(*) FILTER (WHERE created_at < $1::timestamptz - interval '12 months' AND status NOT IN ('completed', 'cancelled'))::int AS c,
             count(*) FILTER (WHERE price_cents <= 0 OR distance_km <= 0 OR currency <> 'EUR')::int AS d
      FROM public.rides`,
      [NOW],
    );
    expect(bad.rows[0]).toEqual({ a: 0, b: 0, c: 0, d: 0 });
    // ids grow with created_at, as in production
    const order = await c.query(`SELECT bool_and(created_at >= prev)::text AS ok
      FROM (SELECT created_at, lag(created_at) OVER (ORDER BY id) AS prev FROM public.rides) x WHERE prev IS NOT NULL`);
    expect(order.rows[0].ok).toBe("true");
  });

  test("sessions split exactly into expired and live, each with tokens and amr claims", async () => {
    const r = await c.query(
      `
      SELECT count(*) FILTER (WHERE not_after < $1)::int AS expired,
             count(*) FILTER (WHERE not_after IS NULL OR not_after > $1)::int AS live,
             count(*) FILTER (WHERE not_after BETWEEN $1::timestamptz - interval '1 day' AND $1::timestamptz + interval '1 day')::int AS at_edge
      FROM auth.sessions`,
      [NOW],
    );
    expect(r.rows[0]).toEqual({ expired: 3_000, live: 7_000, at_edge: 0 });
    const t = await c.query(`
      SELECT (SELECT count(*) FROM auth.refresh_tokens)::int AS tokens,
             (SELECT count(*) FROM auth.refresh_tokens WHERE NOT revoked)::int AS active_tokens,
             (SELECT count(*) FROM auth.mfa_amr_claims WHERE authentication_method = 'password')::int AS pw,
             (SELECT count(*) FROM auth.mfa_amr_claims WHERE authentication_method = 'totp')::int AS totp,
             (SELECT count(*) FROM auth.sessions WHERE aal = 'aal2')::int AS aal2,
             (SELECT count(*) FROM auth.refresh_tokens t JOIN auth.sessions s ON s.id = t.session_id
               WHERE t.user_id <> s.user_id::text)::int AS mismatched`);
    const row = t.rows[0];
    expect(row).toMatchObject({ tokens: 20_000, active_tokens: 10_000, pw: 10_000, mismatched: 0 });
    expect(row.totp).toBe(row.aal2);
    expect(row.aal2 / 10_000).toBeCloseTo(0.1, 1);
  });

  test("users are riders with emails, some anonymous", async () => {
    const r = await c.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE is_anonymous)::int AS anon,
                                    count(DISTINCT email)::int AS emails FROM auth.users`);
    expect(r.rows[0]).toEqual({ n: 2_500, anon: 125, emails: 2_375 });
  });

  test("secondary indexes are back after the bulk load and statistics are fresh", async () => {
    const r = await c.query(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'rides'`,
    );
    expect(r.rows[0].n).toBe(5);
    const s = await c.query("SELECT reltuples::int AS n FROM pg_class WHERE oid = 'public.rides'::regclass");
    expect(s.rows[0].n).toBeGreaterThan(47_500);
  });
});

describe("determinism", () => {
  const dbs: TestDatabase[] = [];
  afterAll(() => Promise.all(dbs.map((d) => d.drop())));

  test("the same seed gives identical rows; another seed gives different ones", async () => {
    const digests: string[] = [];
    for (const s of [42, 42, 43]) {
      const d = await freshDatabase();
      dbs.push(d);
      const c = await d.client("supabase_admin");
      await seed(c, { users: 2_000, rides: 30_000, sessions: 5_000, seed: s });
      digests.push(await digest(c));
    }
    expect(digests[0]).toBe(digests[1]);
    for (const [a, b] of zip(digests[0].split(":"), digests[2].split(":"))) expect(a).not.toBe(b);
  });

  test("a second call appends new rows instead of colliding", async () => {
    const d = await freshDatabase();
    dbs.push(d);
    const c = await d.client(); // as postgres: works without superuser too (FK checks stay on)
    await generateUsers(c, { count: 100, seed: 1 });
    await generateUsers(c, { count: 100, seed: 1 });
    await generateSessions(c, { count: 50, seed: 1 });
    await generateSessions(c, { count: 50, seed: 1 });
    const r = await c.query(
      "SELECT (SELECT count(*) FROM auth.users)::int AS u, (SELECT count(*) FROM auth.sessions)::int AS s",
    );
    expect(r.rows[0]).toEqual({ u: 200, s: 100 });
  });
});

test("generating rides before users and drivers fails with a clear message", async () => {
  const d = await freshDatabase();
  try {
    const c = await d.client();
    await expect(generateRides(c, { count: 10 })).rejects.toThrow(
      "generateRides: auth.users is empty; generate it first",
    );
  } finally {
    await d.drop();
  }
});

function zip<A, B>(a: A[], b: B[]): [A, B][] {
  return a.map((x, i) => [x, b[i]]);
}
