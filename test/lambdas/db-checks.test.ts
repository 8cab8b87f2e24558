// The database checks on the real PostgreSQL: a clean Supabase-shaped database raises nothing,
// and each problem made on purpose is found, with its numbers and the statement to run.
import type { Client } from "pg";
import { runCheck } from "../../lambdas/checklist/engine";
import { activityCheck } from "../../lambdas/checks/db/activity";
import { indexesCheck } from "../../lambdas/checks/db/indexes";
import { largeTablesCheck } from "../../lambdas/checks/db/large-tables";
import { primaryKeysCheck } from "../../lambdas/checks/db/primary-keys";
import { DEFAULT_DATABASE_THRESHOLDS, DatabaseThresholds } from "../../lambdas/checks/db/thresholds";
import { vacuumCheck } from "../../lambdas/checks/db/vacuum";
import { sequencesCheck, wraparoundCheck } from "../../lambdas/checks/db/wraparound";
import { DEFAULT_INPUTS } from "../../lambdas/lib/inputs";
import { noMetrics } from "../../lambdas/lib/metrics";
import { freshDatabase, TestDatabase } from "../support/db";

const ctx = (db: TestDatabase, database: Partial<DatabaseThresholds> = {}) => ({
  inputs: { ...DEFAULT_INPUTS, checkLevels: {}, taskName: "t", databaseUrl: async () => db.url, database: { ...DEFAULT_DATABASE_THRESHOLDS, ...database } },
  now: new Date(),
  metrics: noMetrics,
});
// Test tables are small: judge indexes of any size.
const anySize = { indexMinBytes: 0 };

describe("on a clean database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await (await db.client("supabase_admin")).query("ANALYZE");
  });
  afterAll(() => db.drop());

  it.each([
    ["vacuum", vacuumCheck], ["wraparound", wraparoundCheck], ["sequences", sequencesCheck], ["activity", activityCheck],
    ["primary-keys", primaryKeysCheck], ["indexes", indexesCheck], ["large-tables", largeTablesCheck(() => async () => undefined)],
  ] as const)("%s: ok, no false alarm", async (_, check) => {
    const result = await runCheck(check, ctx(db));
    expect({ status: result.status, summary: result.summary }).toEqual({ status: "ok", summary: expect.any(String) });
  });
});

describe("with problems made on purpose", () => {
  let db: TestDatabase;
  let owner: Client;
  beforeAll(async () => {
    db = await freshDatabase();
    owner = await db.client("postgres");
    await owner.query(`
      CREATE TABLE public.trips_tmp (id int PRIMARY KEY, v text, w int) WITH (autovacuum_enabled = false);
      INSERT INTO public.trips_tmp SELECT i, 'value ' || (i % 50), i FROM generate_series(1, 20000) i;
      DELETE FROM public.trips_tmp WHERE id <= 15000;
      CREATE INDEX trips_tmp_v_idx ON public.trips_tmp (v);
      CREATE INDEX trips_tmp_v_w_idx ON public.trips_tmp (v, w);
      CREATE TABLE public.no_pk (x int);
      CREATE TABLE public.counters (id serial PRIMARY KEY);
      SELECT setval('public.counters_id_seq', 2000000000);
    `);
    // A failed concurrent build leaves an invalid index behind.
    await expect(owner.query("CREATE UNIQUE INDEX CONCURRENTLY trips_tmp_w_mod_idx ON public.trips_tmp ((w % 10))")).rejects.toThrow(/could not create unique index/);
    await owner.query("SELECT pg_stat_force_next_flush()");
  });
  afterAll(() => db.drop());

  it("vacuum: the neglected table with its dead tuples", async () => {
    const result = await runCheck(vacuumCheck, ctx(db, { vacuumMinDeadTuples: 1000, vacuumMaxAgeDays: 0 }));
    expect(result.status).toBe("warn");
    expect((result.details as any).neglected).toEqual([{ table: "public.trips_tmp", deadTuples: 15000, lastVacuumDaysAgo: null }]);
    expect((result.details as any).deadRatio[0]).toMatchObject({ table: "public.trips_tmp", deadRatio: 0.75 });
  });

  it("sequences: an int column's sequence at 93% of 2^31-1 fails", async () => {
    const result = await runCheck(sequencesCheck, ctx(db));
    expect(result.status).toBe("fail");
    expect(result.details).toEqual([{ sequence: "public.counters_id_seq", column: "public.counters.id", lastValue: "2000000000", max: "2147483647", usedRatio: 0.9313 }]);
  });

  it("wraparound: graded against the thresholds", async () => {
    expect((await runCheck(wraparoundCheck, ctx(db, { xidAgeWarn: 1, xidAgeFail: 2_000_000_000 }))).status).toBe("warn");
    expect((await runCheck(wraparoundCheck, ctx(db, { xidAgeWarn: 1, xidAgeFail: 1 }))).status).toBe("fail");
  });

  it("activity: a session idle in its transaction", async () => {
    const app = await db.client("postgres");
    await app.query("BEGIN");
    await app.query("SELECT count(*) FROM public.trips_tmp");
    const result = await runCheck(activityCheck, ctx(db, { idleInTransactionSeconds: 0 }));
    await app.query("ROLLBACK");
    expect(result.status).toBe("warn");
    expect(result.summary).toContain("1 session(s) idle in transaction > 0 s");
    expect((result.details as any).idleInTransaction[0]).toMatchObject({ user: "postgres", query: "SELECT count(*) FROM public.trips_tmp" });
  });

  it("primary-keys: the table without one", async () => {
    const result = await runCheck(primaryKeysCheck, ctx(db));
    expect(result).toMatchObject({ status: "warn", details: [{ table: "public.no_pk", estimatedRows: 0 }] });
  });

  it("indexes: unused, duplicate, invalid, each with the statement a DBA would run", async () => {
    const result = await runCheck(indexesCheck, ctx(db, anySize));
    const d = result.details as any;
    expect(result.status).toBe("warn");
    expect(d.invalid).toEqual([expect.objectContaining({ index: "public.trips_tmp_w_mod_idx", statement: "REINDEX INDEX CONCURRENTLY public.trips_tmp_w_mod_idx;", orDrop: "DROP INDEX CONCURRENTLY public.trips_tmp_w_mod_idx;" })]);
    expect(d.duplicate).toEqual([expect.objectContaining({ index: "public.trips_tmp_v_idx", coveredBy: "public.trips_tmp_v_w_idx", statement: "DROP INDEX CONCURRENTLY public.trips_tmp_v_idx;" })]);
    expect(d.unused.map((u: { index: string }) => u.index)).toEqual(expect.arrayContaining(["public.trips_tmp_v_idx", "public.trips_tmp_v_w_idx"]));
    // Primary keys are never "unused".
    expect(d.unused.map((u: { index: string }) => u.index)).not.toContain("public.trips_tmp_pkey");
  });

  it("indexes: a bloated index after most of its rows went", async () => {
    await owner.query(`
      CREATE TABLE public.bloat_demo (id int PRIMARY KEY, v text);
      INSERT INTO public.bloat_demo SELECT i, md5(i::text) FROM generate_series(1, 100000) i;
      CREATE INDEX bloat_demo_v_idx ON public.bloat_demo (v);
      DELETE FROM public.bloat_demo WHERE id % 10 <> 0;`);
    await owner.query("VACUUM ANALYZE public.bloat_demo");
    const result = await runCheck(indexesCheck, ctx(db, anySize));
    const bloated = (result.details as any).bloated as { index: string; estimatedBloatRatio: number; statement: string }[];
    expect(bloated.find((b) => b.index === "public.bloat_demo_v_idx")).toMatchObject({ statement: "REINDEX INDEX CONCURRENTLY public.bloat_demo_v_idx;" });
    expect(bloated.find((b) => b.index === "public.bloat_demo_v_idx")!.estimatedBloatRatio).toBeGreaterThan(0.5);
  });

  it("large-tables: the largest tables, and growth against the previous week", async () => {
    const previous = { "public.trips_tmp": 100 };
    const result = await runCheck(largeTablesCheck(() => async () => previous), ctx(db, { tableGrowthWarn: 0.5 }));
    expect(result.status).toBe("warn");
    const trips = (result.details as any).tables.find((t: { table: string }) => t.table === "public.trips_tmp");
    expect(trips.liveRows).toBe(5000);
    expect(trips.growth).toBeGreaterThan(100);
  });
});
