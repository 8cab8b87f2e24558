// The database checks at PgHero's level, on the real PostgreSQL as `postgres` (not a
// superuser, as on Supabase): NOT VALID constraints with the statement that validates them,
// every table over the wraparound thresholds and against its autovacuum_freeze_max_age, long
// queries graded warn then fail. Replication slots and connection counts: db-checks-server.test.ts.
import type { Check } from "../../lambdas/core/check";
import { activityCheck } from "../../lambdas/checks/db/activity";
import { constraintsCheck } from "../../lambdas/checks/db/constraints";
import { wraparoundCheck } from "../../lambdas/checks/db/wraparound";
import { DEFAULT_DATABASE_THRESHOLDS, type DatabaseThresholds } from "../../lambdas/core/database-thresholds";
import { useFreshDatabase } from "../support/db";
import { checkContext, detailsOf, runChecked, until } from "../support/db-checks";

const db = useFreshDatabase();
const d = detailsOf;
const run = (check: Check, database: Partial<DatabaseThresholds> = {}) =>
  runChecked(check, checkContext(db().url, database));

describe("invalid-constraints", () => {
  beforeAll(async () => {
    const owner = await db().client();
    await (await db().client("supabase_admin")).query("CREATE SCHEMA reporting AUTHORIZATION postgres");
    await owner.query(`
      CREATE TABLE public.fleets (id int PRIMARY KEY);
      CREATE TABLE public.cars (id int PRIMARY KEY, fleet_id int, seats int);
      INSERT INTO public.fleets VALUES (1);
      INSERT INTO public.cars VALUES (1, 1, 4), (2, 1, 7);
      ALTER TABLE public.cars ADD CONSTRAINT cars_fleet_id_fkey FOREIGN KEY (fleet_id) REFERENCES public.fleets (id) NOT VALID;
      ALTER TABLE public.cars ADD CONSTRAINT "Seats Positive" CHECK (seats > 0) NOT VALID;
      CREATE DOMAIN public.fare AS numeric;
      ALTER DOMAIN public.fare ADD CONSTRAINT fare_not_negative CHECK (VALUE >= 0) NOT VALID;
      CREATE TABLE reporting.totals (n int);
      ALTER TABLE reporting.totals ADD CONSTRAINT totals_n_check CHECK (n >= 0) NOT VALID;`);
  });

  it("each NOT VALID foreign key, check and domain constraint of the maintained schemas, with its VALIDATE statement", async () => {
    const result = await run(constraintsCheck);
    expect(result.status).toBe("warn");
    expect(d(result).findings).toEqual([
      {
        table: "public.cars",
        constraint: "Seats Positive",
        type: "check",
        definition: "CHECK ((seats > 0)) NOT VALID",
        statement: `ALTER TABLE public.cars VALIDATE CONSTRAINT "Seats Positive";`,
      },
      {
        table: "public.cars",
        constraint: "cars_fleet_id_fkey",
        type: "foreign key",
        definition: "FOREIGN KEY (fleet_id) REFERENCES fleets(id) NOT VALID",
        statement: "ALTER TABLE public.cars VALIDATE CONSTRAINT cars_fleet_id_fkey;",
      },
      {
        domain: "public.fare",
        constraint: "fare_not_negative",
        type: "check",
        definition: "CHECK ((VALUE >= (0)::numeric)) NOT VALID",
        statement: "ALTER DOMAIN public.fare VALIDATE CONSTRAINT fare_not_negative;",
      },
    ]);
    expect(result.metrics).toEqual({ invalidConstraints: 3 });
    // Another schema only when it is maintained.
    const reporting = await run(constraintsCheck, { maintainedSchemas: ["reporting"] });
    expect(d(reporting).findings.map((f: any) => f.statement)).toEqual([
      "ALTER TABLE reporting.totals VALIDATE CONSTRAINT totals_n_check;",
    ]);
  });

  it("the statements given validate them, as postgres; then ok", async () => {
    const owner = await db().client();
    for (const f of d(await run(constraintsCheck)).findings) await owner.query(f.statement);
    const { rows } = await owner.query(
      "SELECT count(*)::int AS n FROM pg_constraint WHERE NOT convalidated AND connamespace = 'public'::regnamespace",
    );
    expect(rows[0].n).toBe(0);
    expect(await run(constraintsCheck)).toMatchObject({ status: "ok", summary: "no NOT VALID constraint in public" });
  });
});

describe("wraparound, table by table", () => {
  const made = Array.from({ length: 8 }, (_, i) => `public.aged_${i}`);
  beforeAll(async () => {
    const owner = await db().client();
    for (const t of made) await owner.query(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
    // A table whose own autovacuum_freeze_max_age is the lowest allowed, then 300 transaction IDs.
    await owner.query("CREATE TABLE public.early_freeze (id int) WITH (autovacuum_freeze_max_age = 100000)");
    for (let i = 0; i < 300; i++) await owner.query("SELECT txid_current()");
    // Transaction ids are the whole server's: other test files advance them meanwhile, so "young"
    // is judged against a limit no run of the suite comes near (0.001 × 1e9 = 1M transactions).
    await owner.query("CREATE TABLE public.young (id int) WITH (autovacuum_freeze_max_age = 1000000000)");
  });

  it("lists every table over the age threshold, not only the 5 oldest", async () => {
    const result = await run(wraparoundCheck, { xidAgeWarn: 1 });
    expect(result.status).toBe("warn");
    const listed = d(result).tables.map((x: any) => x.table);
    expect(listed).toEqual(expect.arrayContaining([...made, "public.early_freeze"]));
    expect(listed.length).toBeGreaterThan(8);
    expect(d(result).oldestTables).toHaveLength(5);
    expect(result.metrics!.tablesToFreeze).toBe(listed.length);
    expect(result.summary).toContain(`; ${listed.length} table(s) to freeze: `);
    expect(result.summary).toMatch(new RegExp(` and ${listed.length - 10} more$`));
  });

  it("a table at its own autovacuum_freeze_max_age threshold is listed; the rest are far from theirs", async () => {
    const result = await run(wraparoundCheck, { freezeMaxAgeRatioWarn: 0.001 });
    expect(result.status).toBe("warn");
    const early = d(result).tables.find((x: any) => x.table === "public.early_freeze");
    expect(early).toMatchObject({
      freezeMaxAge: 100000,
      status: "warn",
      statement: "VACUUM (FREEZE, ANALYZE) public.early_freeze;",
    });
    expect(early.xidAge).toBeGreaterThanOrEqual(300);
    expect(early.freezeMaxAgeRatio).toBe(Number((early.xidAge / 100000).toFixed(4)));
    // Far from its own limit: not listed; nor is any table at 200M.
    expect(d(result).tables.map((x: any) => x.table)).not.toContain("public.young");
    for (const x of d(result).tables) expect(x.freezeMaxAge).toBe(100000);
    // At the default (99% of it) nothing is due.
    expect(await run(wraparoundCheck)).toMatchObject({ status: "ok", details: { tables: [] } });
  });
});

describe("activity: long queries", () => {
  it("PgHero's 60 s warns, 300 s fails, by default", () => {
    expect(DEFAULT_DATABASE_THRESHOLDS).toMatchObject({ longQueryWarnSeconds: 60, longQueryFailSeconds: 300 });
  });

  it("a pg_sleep warns past the warn threshold, then fails past the fail one", async () => {
    const [app, watcher] = [await db().client(), await db().client()];
    const pid = (app as any).processID as number;
    const sleeping = app.query("SELECT pg_sleep(60)").catch((e: Error) => e);
    const runningFor =
      "SELECT state = 'active' AND now() - query_start > $2::interval AS ok FROM pg_stat_activity WHERE pid = $1";
    try {
      await until(watcher, runningFor, [pid, "1.2 seconds"]);
      const warn = await run(activityCheck, { longQueryWarnSeconds: 1, longQueryFailSeconds: 2.5 });
      await until(watcher, runningFor, [pid, "2.7 seconds"]);
      const fail = await run(activityCheck, { longQueryWarnSeconds: 1, longQueryFailSeconds: 2.5 });
      const quiet = await run(activityCheck);

      expect(warn.status).toBe("warn");
      expect(warn.summary).toContain(`1 query running > 1 s (pid ${pid})`);
      expect(d(warn).longQueries).toEqual([
        expect.objectContaining({
          pid,
          query: "SELECT pg_sleep(60)",
          status: "warn",
          statement: `SELECT pg_cancel_backend(${pid});`,
        }),
      ]);
      expect(fail.status).toBe("fail");
      expect(fail.summary).toContain(`1 query running > 2.5 s (pid ${pid})`);
      expect(d(fail).longQueries).toEqual([expect.objectContaining({ pid, status: "fail" })]);
      expect(d(fail).longQueries[0].runningSeconds).toBeGreaterThanOrEqual(3);
      // Under a minute: nothing at the defaults.
      expect(d(quiet).longQueries).toEqual([]);
    } finally {
      await watcher.query("SELECT pg_cancel_backend($1)", [pid]);
    }
    expect(await sleeping).toBeInstanceOf(Error);
  });
});
