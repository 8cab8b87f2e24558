// The fixture is shaped like the app's Supabase project (test/support/fixture/supabase.sql).
import type { Client } from "pg";
import { useFreshDatabase } from "../support/db";

const db = useFreshDatabase();
let su: Client;
beforeAll(async () => {
  su = await db().client("supabase_admin");
});

test("Supabase's roles exist with Supabase's attributes", async () => {
  const r = await su.query(`
    SELECT rolname, rolcanlogin, rolsuper, rolinherit, rolbypassrls FROM pg_roles
    WHERE rolname IN ('supabase_admin', 'postgres', 'supabase_auth_admin', 'authenticator', 'anon', 'authenticated', 'service_role')
    ORDER BY rolname`);
  expect(r.rows).toEqual([
    { rolname: "anon", rolcanlogin: false, rolsuper: false, rolinherit: false, rolbypassrls: false },
    { rolname: "authenticated", rolcanlogin: false, rolsuper: false, rolinherit: false, rolbypassrls: false },
    { rolname: "authenticator", rolcanlogin: true, rolsuper: false, rolinherit: false, rolbypassrls: false },
    { rolname: "postgres", rolcanlogin: true, rolsuper: false, rolinherit: true, rolbypassrls: true },
    { rolname: "service_role", rolcanlogin: false, rolsuper: false, rolinherit: false, rolbypassrls: true },
    { rolname: "supabase_admin", rolcanlogin: true, rolsuper: true, rolinherit: true, rolbypassrls: true },
    { rolname: "supabase_auth_admin", rolcanlogin: true, rolsuper: false, rolinherit: false, rolbypassrls: false },
  ]);
  const members = await su.query(`
    SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
    WHERE m.member = 'authenticator'::regrole ORDER BY 1`);
  expect(members.rows.map((x) => x.rolname)).toEqual(["anon", "authenticated", "service_role"]);
});

test("auth tables (and their enum) are owned by supabase_auth_admin; app tables by postgres", async () => {
  const r = await su.query(`
    SELECT c.relnamespace::regnamespace::text || '.' || c.relname AS t, pg_get_userbyid(c.relowner) AS owner
    FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace IN ('auth'::regnamespace, 'public'::regnamespace)
    ORDER BY 1`);
  expect(r.rows).toEqual([
    { t: "auth.audit_log_entries", owner: "supabase_auth_admin" },
    { t: "auth.mfa_amr_claims", owner: "supabase_auth_admin" },
    { t: "auth.refresh_tokens", owner: "supabase_auth_admin" },
    { t: "auth.sessions", owner: "supabase_auth_admin" },
    { t: "auth.users", owner: "supabase_auth_admin" },
    { t: "public.drivers", owner: "postgres" },
    { t: "public.rides", owner: "postgres" },
  ]);
  const aal = await su.query(
    "SELECT pg_get_userbyid(typowner) AS owner, enum_range(NULL::auth.aal_level)::text AS labels FROM pg_type WHERE oid = 'auth.aal_level'::regtype",
  );
  expect(aal.rows[0]).toEqual({ owner: "supabase_auth_admin", labels: "{aal1,aal2,aal3}" });
});

test("auth.sessions has Supabase's columns and indexes", async () => {
  const cols = await su.query(`
    SELECT column_name || ' ' || udt_name || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END AS c
    FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'sessions' ORDER BY ordinal_position`);
  expect(cols.rows.map((x) => x.c)).toEqual([
    "id uuid not null",
    "user_id uuid not null",
    "created_at timestamptz",
    "updated_at timestamptz",
    "factor_id uuid",
    "aal aal_level",
    "not_after timestamptz",
    "refreshed_at timestamp",
    "user_agent text",
    "ip inet",
    "tag text",
  ]);
  const idx = await su.query(
    "SELECT indexdef FROM pg_indexes WHERE schemaname = 'auth' AND tablename = 'sessions' ORDER BY indexname",
  );
  expect(
    idx.rows.map((x) =>
      x.indexdef.replace(/ USING btree/, "").replace(/^CREATE (UNIQUE )?INDEX \S+ ON auth.sessions /, ""),
    ),
  ).toEqual(["(not_after DESC)", "(id)", "(user_id)", "(user_id, created_at)"]);
});

test("deleting a session cascades to its refresh tokens and amr claims; deleting a user to its sessions", async () => {
  const c = await db().client(); // as postgres, as the maintenance jobs connect
  await c.query(`
    INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-0000000000a1', 'a@example.test');
    INSERT INTO auth.sessions (id, user_id, aal) VALUES
      ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000a1', 'aal1'),
      ('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-0000000000a1', 'aal2');
    INSERT INTO auth.refresh_tokens (token, user_id, revoked, session_id) VALUES
      ('t1', '00000000-0000-0000-0000-0000000000a1', true, '00000000-0000-0000-0000-0000000000b1'),
      ('t2', '00000000-0000-0000-0000-0000000000a1', false, '00000000-0000-0000-0000-0000000000b1'),
      ('t3', '00000000-0000-0000-0000-0000000000a1', false, '00000000-0000-0000-0000-0000000000b2');
    INSERT INTO auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id) VALUES
      ('00000000-0000-0000-0000-0000000000b1', now(), now(), 'password', gen_random_uuid()),
      ('00000000-0000-0000-0000-0000000000b2', now(), now(), 'password', gen_random_uuid()),
      ('00000000-0000-0000-0000-0000000000b2', now(), now(), 'totp', gen_random_uuid());`);
  const counts = async () =>
    (
      await c.query(`SELECT (SELECT count(*) FROM auth.sessions)::int AS s, (SELECT count(*) FROM auth.refresh_tokens)::int AS t,
                           (SELECT count(*) FROM auth.mfa_amr_claims)::int AS m`)
    ).rows[0];
  expect(await counts()).toEqual({ s: 2, t: 3, m: 3 });
  await c.query("DELETE FROM auth.sessions WHERE id = '00000000-0000-0000-0000-0000000000b1'");
  expect(await counts()).toEqual({ s: 1, t: 1, m: 2 });
  await c.query("DELETE FROM auth.users WHERE id = '00000000-0000-0000-0000-0000000000a1'");
  expect(await counts()).toEqual({ s: 0, t: 0, m: 0 });
});

test("postgres may read and delete auth rows but not alter or vacuum GoTrue's tables", async () => {
  const c = await db().client();
  await expect(c.query("ALTER TABLE auth.sessions ADD COLUMN x int")).rejects.toThrow(/must be owner/);
  await expect(c.query("DELETE FROM auth.refresh_tokens WHERE revoked")).resolves.toBeDefined();
  const notices: string[] = [];
  c.on("notice", (n) => notices.push(n.message ?? ""));
  await c.query("VACUUM auth.sessions"); // PostgreSQL skips it with a warning, not an error
  expect(notices).toEqual([
    expect.stringMatching(/skipping "sessions" --- only table or database owner can vacuum it/),
  ]);
});

test("public.rides has the ride-booking columns, indexes and no archive table yet", async () => {
  const idx = await su.query(
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'rides' ORDER BY 1",
  );
  expect(Object.fromEntries(idx.rows.map((x) => [x.indexname, x.indexdef.replace(/^.* USING btree /, "")]))).toEqual({
    rides_pkey: "(id)",
    rides_user_id_idx: "(user_id)",
    rides_driver_id_idx: "(driver_id)",
    rides_status_created_at_idx: "(status, created_at)",
    rides_created_at_idx: "(created_at)",
  });
  const status = await su.query("SELECT enum_range(NULL::public.ride_status)::text AS s");
  expect(status.rows[0].s).toBe("{requested,accepted,en_route,in_progress,completed,cancelled}");
  const cols =
    await su.query(`SELECT column_name, data_type, column_default, is_identity FROM information_schema.columns
                               WHERE table_schema = 'public' AND table_name = 'rides'`);
  const col = Object.fromEntries(cols.rows.map((x) => [x.column_name, x]));
  expect(col.id).toMatchObject({ data_type: "bigint", is_identity: "YES" });
  expect(col.created_at).toMatchObject({ data_type: "timestamp with time zone", column_default: "now()" });
  expect(col.currency).toMatchObject({ data_type: "character", column_default: "'EUR'::bpchar" });
  for (const name of [
    "user_id",
    "driver_id",
    "pickup_lat",
    "dropoff_lng",
    "scheduled_at",
    "picked_up_at",
    "dropped_off_at",
    "updated_at",
    "distance_km",
    "price_cents",
    "payment_status",
  ]) {
    expect(col[name]).toBeDefined();
  }
  const archive = await su.query("SELECT to_regclass('public.rides_archive') AS t");
  expect(archive.rows[0].t).toBeNull();
});

test("RLS on rides: an authenticated rider sees only their own rides", async () => {
  const c = await db().client();
  await c.query(`
    INSERT INTO auth.users (id) VALUES ('00000000-0000-0000-0000-00000000000a'), ('00000000-0000-0000-0000-00000000000b');
    INSERT INTO public.rides (user_id, pickup_address, pickup_lat, pickup_lng, dropoff_address, dropoff_lat, dropoff_lng)
    VALUES ('00000000-0000-0000-0000-00000000000a', 'A', 48.85, 2.35, 'B', 48.86, 2.36),
           ('00000000-0000-0000-0000-00000000000b', 'C', 48.85, 2.35, 'D', 48.86, 2.36);`);
  await c.query("BEGIN");
  try {
    await c.query("SET LOCAL ROLE authenticated");
    await c.query(
      'SELECT set_config(\'request.jwt.claims\', \'{"sub": "00000000-0000-0000-0000-00000000000a", "role": "authenticated"}\', true)',
    );
    const r = await c.query("SELECT pickup_address FROM public.rides");
    expect(r.rows).toEqual([{ pickup_address: "A" }]);
  } finally {
    await c.query("ROLLBACK");
  }
  const rls = await su.query("SELECT relrowsecurity FROM pg_class WHERE oid = 'public.rides'::regclass");
  expect(rls.rows[0].relrowsecurity).toBe(true);
});
