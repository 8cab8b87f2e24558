// Set-based data generators for the fixture schema: every call is one INSERT … SELECT over
// generate_series (1,000,000 rides in seconds, never row by row).
//
// Determinism: ids and random values come from setseed(seed) and md5(seed, ordinal), and all
// timestamps are relative to `now`; so the same calls with the same seed and `now`, on the same
// starting rows, produce identical rows. Ordinals continue after the rows already in the table,
// so repeated calls never collide. Category counts are exact (first ⌊count·fraction⌋ rows of a
// call), not sampled, so tests can assert them.
import type { ClientBase } from "pg";

export type Db = Pick<ClientBase, "query">;

interface Common {
  count: number;
  /** Any integer; default 1. */
  seed?: number;
  /** Reference time; default: the transaction's now(). Pass a fixed Date to compare runs. */
  now?: Date;
}

/**
 * Runs `sql` in one transaction after setseed, with parallel plans off so random() runs in a
 * fixed order. `tables` (the first one is the one `count` rows go to) get bulk-load treatment.
 */
async function seeded(
  db: Db,
  seed: number,
  tables: string[],
  count: number,
  sql: string,
  params: unknown[],
): Promise<number> {
  await db.query("BEGIN");
  try {
    await db.query("SET LOCAL max_parallel_workers_per_gather = 0");
    await db.query("SET LOCAL work_mem = '256MB'");
    await db.query("SET LOCAL maintenance_work_mem = '512MB'");
    // With a superuser client, bulk-load shortcuts: rows reference existing ids by
    // construction, so skip per-row FK trigger checks (replica mode), and drop/rebuild indexes.
    const su = (await db.query("SELECT current_setting('is_superuser') = 'on' AS su")).rows[0].su as boolean;
    if (su) await db.query("SET LOCAL session_replication_role = replica");
    const rebuild = su ? await dropIndexesForBulkLoad(db, tables, count) : [];
    await db.query("SELECT setseed($1)", [(Math.abs(Math.trunc(seed)) % 2147483647) / 2147483647]);
    const r = await db.query(sql, params);
    for (const def of rebuild) await db.query(def);
    await db.query("COMMIT");
    // Fresh statistics, so tests see the plans production would (owner or superuser only).
    if (su) await db.query(`ANALYZE ${tables.join(", ")}`);
    return r.rowCount ?? 0;
  } catch (e) {
    await db.query("ROLLBACK").catch(() => undefined); // keep the original error
    throw e;
  }
}

/** Fails with a clear message instead of a NOT NULL violation deep in a generated row. */
async function requireRows(db: Db, table: string, caller: string): Promise<void> {
  const r = await db.query(`SELECT EXISTS (SELECT 1 FROM ${table}) AS ok`);
  if (!r.rows[0].ok) throw new Error(`${caller}: ${table} is empty; generate it first`);
}

/**
 * PostgreSQL's advice for populating a table ("Populating a Database"): when the insert at
 * least doubles it, drop the secondary indexes and rebuild them after; one sort beats a million
 * random btree inserts (1M rides: 22 s -> 12 s on 2 cores). Constraint indexes stay. Returns the
 * CREATE INDEX statements to run after the insert.
 */
async function dropIndexesForBulkLoad(db: Db, tables: string[], count: number): Promise<string[]> {
  const existing = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${tables[0]}`);
  if (count < 20_000 || count < Number(existing.rows[0].n)) return [];
  const idx = await db.query<{ name: string; def: string }>(
    `
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i
    WHERE i.indrelid = ANY($1::regclass[])
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY 1`,
    [tables],
  );
  for (const { name } of idx.rows) await db.query(`DROP INDEX ${name}`);
  return idx.rows.map((r) => r.def);
}

const now = (param: number) => `coalesce($${param}::timestamptz, now())`;
const NOW = now(3);

export interface UsersOptions extends Common {
  /** Share of anonymous sign-ins (no email); default 0.05. */
  anonymousFraction?: number;
}

/** Inserts auth.users rows: riders with confirmed emails, some phones, some anonymous. */
export async function generateUsers(db: Db, o: UsersOptions): Promise<number> {
  return seeded(
    db,
    o.seed ?? 1,
    ["auth.users"],
    o.count,
    `
    INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
      last_sign_in_at, raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at,
      phone, phone_confirmed_at, is_anonymous)
    SELECT '00000000-0000-0000-0000-000000000000', md5(format('user:%s:%s', $2::text, n))::uuid,
      'authenticated', 'authenticated',
      CASE WHEN anon THEN NULL ELSE format('rider%s@example.test', n) END,
      CASE WHEN anon THEN '' ELSE '$2a$10$' || left(md5('pw' || n) || md5('salt' || n), 53) END,
      CASE WHEN anon THEN NULL ELSE created + interval '5 minutes' END,
      created + r2 * (${NOW} - created),
      CASE WHEN anon THEN '{"provider": "anonymous", "providers": ["anonymous"]}'::jsonb
           ELSE '{"provider": "email", "providers": ["email"]}'::jsonb END,
      CASE WHEN anon THEN '{}'::jsonb ELSE jsonb_build_object('full_name', format('Rider %s', n)) END,
      false, created, created + r2 * (${NOW} - created),
      CASE WHEN NOT anon AND r3 < 0.6 THEN '336' || lpad(n::text, 8, '0') END,
      CASE WHEN NOT anon AND r3 < 0.6 THEN created + interval '10 minutes' END,
      anon
    FROM (
      SELECT n, i <= floor($1::int * $4::float8) AS anon, random() AS r2, random() AS r3,
             ${NOW} - random() * interval '3 years' AS created
      FROM (SELECT (SELECT count(*) FROM auth.users) + i AS n, i FROM generate_series(1, $1::int) i) g
    ) s`,
    [o.count, o.seed ?? 1, o.now ?? null, o.anonymousFraction ?? 0.05],
  );
}

/** Inserts public.drivers (chauffeurs without a linked auth user). */
export async function generateDrivers(db: Db, o: Common): Promise<number> {
  return seeded(
    db,
    o.seed ?? 1,
    ["public.drivers"],
    o.count,
    `
    INSERT INTO public.drivers (id, name, phone, vehicle, license_plate, is_active, created_at, updated_at)
    SELECT md5(format('driver:%s:%s', $2::text, n))::uuid, format('Chauffeur %s', n),
      '337' || lpad(n::text, 8, '0'),
      (ARRAY['Mercedes E-Class', 'Mercedes V-Class', 'BMW 5 Series', 'Tesla Model S', 'Audi A6'])[1 + floor(random() * 5)::int],
      format('EL-%s-%s', lpad(n::text, 4, '0'), chr(65 + floor(random() * 26)::int) || chr(65 + floor(random() * 26)::int)),
      random() < 0.9, created, created
    FROM (SELECT (SELECT count(*) FROM public.drivers) + i AS n, ${NOW} - random() * interval '3 years' AS created
          FROM generate_series(1, $1::int) i) g`,
    [o.count, o.seed ?? 1, o.now ?? null],
  );
}

export interface SessionsOptions extends Common {
  /** Share of expired sessions: not_after between 1 and 365 days before `now`. Default 0.5.
   *  The others are live: not_after NULL (no time-box, Supabase's default) or in the future,
   *  refreshed within the last 7 days. */
  expiredFraction?: number;
  /** Refresh tokens per session (a rotation chain: all but the last revoked); default 2. */
  refreshTokensPerSession?: number;
  /** Share of aal2 sessions, which get a 'totp' amr claim beside 'password'; default 0.1. */
  mfaFraction?: number;
}

/** Inserts auth.sessions for random existing users, with their refresh_tokens and mfa_amr_claims. */
export async function generateSessions(db: Db, o: SessionsOptions): Promise<number> {
  await requireRows(db, "auth.users", "generateSessions");
  // Only the sessions part calls random(); tokens and claims derive from the session id,
  // so the order in which the data-modifying CTEs run cannot change the rows.
  return seeded(
    db,
    o.seed ?? 1,
    ["auth.sessions", "auth.refresh_tokens", "auth.mfa_amr_claims"],
    o.count,
    `
    WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM auth.users),
    g AS (
      SELECT (SELECT count(*) FROM auth.sessions) + i AS n, i <= floor($1::int * $4::float8) AS expired,
             random() < $6::float8 AS mfa, random() AS r1, random() AS r2, random() AS r3, random() AS r4
      FROM generate_series(1, $1::int) i
    ),
    v AS (
      SELECT md5(format('session:%s:%s', $2::text, n))::uuid AS id, u.ids[1 + floor(r1 * cardinality(u.ids))::int] AS user_id,
        mfa, r3, r4,
        CASE WHEN expired THEN ${NOW} - interval '1 day' - r2 * interval '364 days' END AS expired_at,
        CASE WHEN NOT expired THEN ${NOW} - r2 * interval '7 days' END AS live_refreshed
      FROM g, u
    ),
    s AS (
      INSERT INTO auth.sessions (id, user_id, created_at, updated_at, aal, not_after, refreshed_at, user_agent, ip)
      SELECT id, user_id,
        coalesce(expired_at - interval '7 days', live_refreshed - r3 * interval '60 days'),
        coalesce(expired_at - r3 * interval '6 days', live_refreshed),
        CASE WHEN mfa THEN 'aal2' ELSE 'aal1' END::auth.aal_level,
        coalesce(expired_at, CASE WHEN r4 < 0.5 THEN NULL ELSE ${NOW} + interval '1 day' + r4 * interval '30 days' END),
        (coalesce(expired_at - r3 * interval '6 days', live_refreshed)) AT TIME ZONE 'UTC',
        (ARRAY['EleganceApp/4.2.0 (iPhone; iOS 17.4)', 'EleganceApp/4.2.0 (Android 14; Pixel 8)',
               'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15'])[1 + floor(r4 * 3)::int],
        format('203.0.113.%s', 1 + floor(r3 * 254)::int)::inet
      FROM v
      RETURNING id, user_id, created_at, updated_at, aal
    ),
    t AS (
      INSERT INTO auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
      SELECT '00000000-0000-0000-0000-000000000000', left(md5(s.id::text || ':' || k), 16), s.user_id::text, k < $5,
        s.created_at + (s.updated_at - s.created_at) * (k - 1) / greatest($5 - 1, 1),
        s.created_at + (s.updated_at - s.created_at) * k / $5,
        CASE WHEN k > 1 THEN left(md5(s.id::text || ':' || (k - 1)), 16) END, s.id
      FROM s, generate_series(1, $5::int) k
    ),
    c AS (
      INSERT INTO auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
      SELECT s.id, s.created_at, s.created_at, m, md5(s.id::text || ':' || m)::uuid
      FROM s, unnest(CASE WHEN s.aal = 'aal2' THEN ARRAY['password', 'totp'] ELSE ARRAY['password'] END) m
    )
    SELECT 1 FROM s`,
    [
      o.count,
      o.seed ?? 1,
      o.now ?? null,
      o.expiredFraction ?? 0.5,
      o.refreshTokensPerSession ?? 2,
      o.mfaFraction ?? 0.1,
    ],
  );
}

export interface RidesOptions extends Common {
  /** Share of rides created more than `olderThanMonths` months before `now` (by at least a day). Default 0.5. */
  oldFraction?: number;
  /** Age boundary in months; default 12. Old rides spread over the 24 months before it. */
  olderThanMonths?: number;
}

/** Inserts public.rides for random existing users and drivers (generate both first). Rows are
 *  inserted in created_at order, so ids grow with time as in production. */
export async function generateRides(db: Db, o: RidesOptions): Promise<number> {
  await requireRows(db, "auth.users", "generateRides");
  await requireRows(db, "public.drivers", "generateRides");
  // Statuses: old rides are finished (completed/cancelled); recent ones include a few in flight.
  // Numbers are built from integers (km in hundredths, coordinates in millionths): casting
  // float8 to numeric costs more than the rest of a row. v is MATERIALIZED so that status,
  // created and km are computed once per row, not once per use below.
  return seeded(
    db,
    o.seed ?? 1,
    ["public.rides"],
    o.count,
    `
    WITH p AS (SELECT ${now(2)} AS t, ${now(2)} - make_interval(months => $4) AS cutoff),
    u AS (SELECT array_agg(id ORDER BY id) AS ids FROM auth.users WHERE NOT is_anonymous),
    d AS (SELECT array_agg(id ORDER BY id) AS ids FROM public.drivers),
    a AS (SELECT array_agg(n || ' rue de Rivoli, 75001 Paris' ORDER BY n) AS streets FROM generate_series(1, 200) n),
    g AS (
      SELECT i, i <= floor($1::int * $3::float8) AS old, random() AS r1, random() AS r2, random() AS r3,
             random() AS r4, random() AS r5, random() AS r6, random() AS r7
      FROM generate_series(1, $1::int) i
    ),
    v AS MATERIALIZED (
      SELECT g.i, g.r6, g.r7, p.t, u.ids[1 + floor(r2 * cardinality(u.ids))::int] AS user_id,
        d.ids[1 + floor(r3 * cardinality(d.ids))::int] AS driver, a.streets[1 + floor(r6 * 200)::int] AS pickup,
        CASE WHEN old THEN p.cutoff - interval '1 day' - r1 * interval '730 days'
             ELSE p.t - r1 * (p.t - p.cutoff - interval '1 day') END AS created,
        CASE WHEN r4 < 0.85 THEN 'completed' WHEN r4 < 0.97 OR old THEN 'cancelled'
             ELSE (ARRAY['requested', 'accepted', 'en_route', 'in_progress'])[1 + floor((r4 - 0.97) / 0.0075)::int]
        END::public.ride_status AS status,
        200 + floor(r5 * 4500)::int AS hkm
      FROM g, u, d, p, a
    )
    INSERT INTO public.rides (user_id, driver_id, status, pickup_address, pickup_lat, pickup_lng,
      dropoff_address, dropoff_lat, dropoff_lng, scheduled_at, picked_up_at, dropped_off_at,
      created_at, updated_at, distance_km, price_cents, currency, payment_status)
    SELECT user_id, CASE WHEN status = 'requested' OR (status = 'cancelled' AND r6 < 0.5) THEN NULL ELSE driver END,
      status, pickup, (48756600 + floor(r6 * 200000)::int) * 0.000001, (2202200 + floor(r7 * 300000)::int) * 0.000001,
      (ARRAY['Aéroport Paris-Charles de Gaulle, Terminal 2E', 'Aéroport de Paris-Orly, Orly 4', 'Gare de Lyon, Paris',
             'La Défense, Puteaux', 'Château de Versailles'])[1 + floor(r7 * 5)::int],
      (48700000 + hkm * 70) * 0.000001, (2100000 + floor(r7 * 500000)::int) * 0.000001,
      CASE WHEN r6 < 0.3 THEN created + interval '2 hours' END,
      CASE WHEN status IN ('in_progress', 'completed') THEN created + interval '12 minutes' END,
      CASE WHEN status = 'completed' THEN created + interval '12 minutes' + hkm * interval '0.9 seconds' END,
      created, least(created + interval '1 hour', t), hkm * 0.01,
      2000 + hkm * 21 / 10, 'EUR',
      CASE status WHEN 'completed' THEN CASE WHEN r7 < 0.02 THEN 'refunded' ELSE 'paid' END
                  WHEN 'cancelled' THEN CASE WHEN r7 < 0.5 THEN 'refunded' ELSE 'failed' END
                  WHEN 'requested' THEN 'pending' ELSE 'authorized' END::public.payment_status
    FROM v ORDER BY created, i`,
    [o.count, o.now ?? null, o.oldFraction ?? 0.5, o.olderThanMonths ?? 12],
  );
}
