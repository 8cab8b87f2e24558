// The test bed's PostgreSQL: a real server on loopback, one database per test file.
import { connect, createLoginRole, freshDatabase, superuserUrl, testbed, useFreshDatabase } from "../support/db";

const db = useFreshDatabase();

test("a query round-trips through a real PostgreSQL 15 on loopback", async () => {
  const c = await db().client();
  const r = await c.query<{ v: string; addr: string; sum: number }>(
    "SELECT current_setting('server_version') AS v, host(inet_server_addr()) AS addr, $1::int + $2::int AS sum",
    [40, 2],
  );
  expect(r.rows[0]).toEqual({ v: expect.stringMatching(/^15\./), addr: "127.0.0.1", sum: 42 });
  expect(testbed().host).toBe("127.0.0.1");
});

test("the default role is Supabase's non-superuser `postgres`; the superuser URL is supabase_admin", async () => {
  const asPostgres = await db().client();
  const su = await connect(db().superuserUrl);
  try {
    const who = "SELECT current_user AS u, rolsuper AS su FROM pg_roles WHERE rolname = current_user";
    expect((await asPostgres.query(who)).rows[0]).toEqual({ u: "postgres", su: false });
    expect((await su.query(who)).rows[0]).toEqual({ u: "supabase_admin", su: true });
    await expect(asPostgres.query("ALTER SYSTEM SET work_mem = '8MB'")).rejects.toThrow(/permission denied/);
  } finally {
    await su.end();
  }
});

test("the server runs without durability settings that would slow tests", async () => {
  const c = await db().client("supabase_admin");
  const r = await c.query("SELECT current_setting('fsync') AS f, current_setting('shared_preload_libraries') AS l");
  expect(r.rows[0]).toEqual({ f: "off", l: "pg_stat_statements" });
});

test("each fresh database is a separate copy of the fixture, dropped by drop()", async () => {
  const other = await freshDatabase();
  try {
    const a = await db().client();
    const b = await other.client();
    await a.query("CREATE TABLE public.only_here (x int)");
    const seen = await b.query("SELECT to_regclass('public.only_here') AS t, to_regclass('public.rides') AS rides");
    expect(seen.rows[0]).toEqual({ t: null, rides: "rides" });
  } finally {
    await other.drop();
  }
  const admin = await connect(superuserUrl());
  try {
    const left = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [other.name]);
    expect(left.rowCount).toBe(0);
  } finally {
    await admin.end();
  }
});

test("a least-privilege login role can be created and is held to its grants", async () => {
  await createLoginRole("testbed_reader", "reader-pw", "NOINHERIT");
  const su = await connect(db().superuserUrl);
  await su.query("GRANT SELECT ON public.drivers TO testbed_reader");
  await su.end();
  const reader = await db().client("testbed_reader", "reader-pw");
  expect((await reader.query("SELECT count(*)::int AS n FROM public.drivers")).rows[0].n).toBe(0);
  await expect(reader.query("SELECT 1 FROM auth.sessions")).rejects.toThrow(/permission denied/);
  await expect(reader.query("DELETE FROM public.drivers")).rejects.toThrow(/permission denied/);
});

test("passwords are checked (scram-sha-256), even on loopback", async () => {
  await expect(connect(db().urlAs("postgres", "wrong"))).rejects.toThrow(/password authentication failed/);
});
