// The demo database of `npm start`: the test bed's Supabase-shaped fixture with ~200k rides
// over 18 months, users, drivers and sessions (test/support/generate.ts), and the problems
// the guide's lists exist to find. Generated once into a seed database of the demo cluster
// (kept in the demo directory); each `npm start` copies it (CREATE DATABASE … TEMPLATE, a
// file copy) into the database the lists work on, so every run starts from the same data.
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { generateDrivers, generateRides, generateSessions, generateUsers } from "../../test/support/generate";
import { pgUrl, type PgServer } from "../../test/support/pg-server";
import { FIXTURE_LOGIN_ROLES } from "../../test/support/testbed-env";

export const DEMO_DB = "elegance_mobilite";
const FIXTURE = path.join(__dirname, "..", "..", "test", "support", "fixture", "supabase.sql");
/** Bump when the generated data changes: an older seed is then rebuilt. */
const DATA_VERSION = 2;
const SEED_PREFIX = "elegance_mobilite_seed_";
/** One seed per data version and size (`npm start -- --rides <n>`). */
const seedDb = (rides: number) => `${SEED_PREFIX}v${DATA_VERSION}_${rides}`;
export const DEFAULT_RIDES = 200_000;
/** Below this, the planted unused index is under the check's 1 MiB and the never-vacuumed table under its 10 000 dead rows. */
export const MIN_RIDES = 25_000;

export interface DemoDatabase {
  /** URL as `postgres`, Supabase's owner role (what the CLI and the Lambdas use). */
  url: string;
  superuserUrl: string;
  reused: boolean;
  counts: Record<string, number>;
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Tables the demo adds to the fixture: a promo-code table on a 32-bit sequence (planted at 80 %). */
const DEMO_SCHEMA = `
  CREATE TABLE public.promo_codes (id serial PRIMARY KEY, code text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
  ALTER TABLE public.promo_codes OWNER TO postgres;
  -- An index no query uses: the weekly list's "unused index". Without deduplication (its 200
  -- addresses would shrink it below the check's 1 MiB at small sizes), as an older index would be.
  CREATE INDEX rides_pickup_address_idx ON public.rides (pickup_address) WITH (deduplicate_items = off);
`;

/** The planted problems that live in the data's state, redone on every start. */
async function plantProblems(c: Client): Promise<void> {
  // A copied database starts with empty statistics: the app's have been gathered for months.
  await c.query("ANALYZE");
  // A sequence at 80 % of its type's range.
  await c.query("SELECT setval('public.promo_codes_id_seq', (2147483647 * 0.8)::bigint)");
  await c.query("INSERT INTO public.promo_codes (code) SELECT 'BIENVENUE' || n FROM generate_series(1, 100) n");
  // A table autovacuum never visits, with dead rows: a quarter of the rides touched since
  // (more in a small demo, to stay over the check's 10 000 dead rows).
  await c.query("ALTER TABLE public.rides SET (autovacuum_enabled = false)");
  await c.query(
    "UPDATE public.rides SET updated_at = updated_at WHERE id % greatest(1, least(4, (SELECT count(*) FROM public.rides) / 12000)) = 0",
  );
  // The app's own reads, so that its indexes have scans and only the planted one stays unused.
  await c.query("SET enable_seqscan = off");
  for (const where of [
    "user_id = (SELECT id FROM auth.users LIMIT 1)",
    "driver_id = (SELECT id FROM public.drivers LIMIT 1)",
    "status = 'requested' AND created_at > now() - interval '1 day'",
    "created_at > now() - interval '1 hour'",
  ]) {
    await c.query(`SELECT count(*) FROM public.rides WHERE ${where}`);
  }
  await c.query("RESET enable_seqscan");
}

export async function prepareDemoDatabase(
  server: PgServer,
  opts: { fresh: boolean; rides: number; log: (line: string) => void },
): Promise<DemoDatabase> {
  const seed = seedDb(opts.rides);
  const admin = pgUrl(server, server.superuser, server.password, "postgres");
  const seedUrl = pgUrl(server, server.superuser, server.password, seed);
  const superuserUrl = pgUrl(server, server.superuser, server.password, DEMO_DB);
  const url = pgUrl(server, "postgres", server.password, DEMO_DB);
  // The seed is complete once its comment says so (an interrupted generation is redone).
  const ready = await withClient(admin, async (c) => {
    const { rows } = await c.query(
      "SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = $1",
      [seed],
    );
    return rows[0]?.note === "ready";
  });
  const reused = ready && !opts.fresh;
  if (!reused) {
    await withClient(admin, async (c) => {
      // One seed kept at a time: the one being built replaces those of other sizes or versions.
      const { rows } = await c.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
        [SEED_PREFIX],
      );
      for (const { datname } of rows) await c.query(`DROP DATABASE ${c.escapeIdentifier(datname)} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${seed}`);
    });
    await withClient(seedUrl, async (c) => {
      opts.log("fixture Supabase…");
      await c.query(fs.readFileSync(FIXTURE, "utf8"));
      for (const role of FIXTURE_LOGIN_ROLES)
        await c.query(`ALTER ROLE ${role} PASSWORD ${c.escapeLiteral(server.password)}`);
      await c.query(DEMO_SCHEMA);
      // Relative to now, so the ages the lists judge (sessions, rides to archive) are real.
      // At the default size: 20 000 users, 40 000 sessions; the same proportions at other sizes.
      opts.log("utilisateurs et chauffeurs…");
      await generateUsers(c, { count: Math.round(opts.rides / 10), seed: 16 });
      await generateDrivers(c, { count: 300, seed: 16 });
      opts.log("sessions (la moitié expirées)…");
      await generateSessions(c, { count: Math.round(opts.rides / 5), seed: 16, expiredFraction: 0.5 });
      opts.log(`${opts.rides.toLocaleString("fr-FR")} courses sur 18 mois…`);
      // Rides younger than 6 months (65 %), and older ones spread over the 12 months before.
      const young = Math.round(opts.rides * 0.65);
      await generateRides(c, { count: young, seed: 16, oldFraction: 0, olderThanMonths: 6 });
      await generateRides(c, { count: opts.rides - young, seed: 17, oldFraction: 1, olderThanMonths: 6 });
      // The generator spreads old rides over the 24 months before the cutoff: fold them into 12.
      await c.query("SET session_replication_role = replica"); // no updated_at trigger
      await c.query(`UPDATE public.rides SET created_at = created_at + d, updated_at = updated_at + d, scheduled_at = scheduled_at + d,
          picked_up_at = picked_up_at + d, dropped_off_at = dropped_off_at + d
        FROM (SELECT id AS rid, (now() - interval '6 months' - created_at) / 2 AS d FROM public.rides WHERE created_at < now() - interval '6 months') o
        WHERE id = o.rid`);
      await c.query("RESET session_replication_role");
      await c.query("VACUUM (FREEZE, ANALYZE)");
    });
    await withClient(admin, (c) => c.query(`COMMENT ON DATABASE ${seed} IS 'ready'`));
  } else {
    opts.log("données de démo réutilisées ; npm start -- --fresh les régénère");
  }
  await withClient(admin, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DEMO_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${DEMO_DB} TEMPLATE ${seed}`);
  });
  return withClient(superuserUrl, async (c) => {
    await plantProblems(c);
    const { rows } = await c.query<{ t: string; n: string }>(
      `SELECT 'rides' AS t, count(*) AS n FROM public.rides UNION ALL SELECT 'users', count(*) FROM auth.users
       UNION ALL SELECT 'sessions', count(*) FROM auth.sessions UNION ALL SELECT 'expired sessions', count(*) FROM auth.sessions WHERE not_after < now()`,
    );
    return { url, superuserUrl, reused, counts: Object.fromEntries(rows.map((r) => [r.t, Number(r.n)])) };
  });
}
