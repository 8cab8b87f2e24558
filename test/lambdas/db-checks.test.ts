// The database checks on the real PostgreSQL, connected as `postgres` (Supabase's non-superuser
// owner role, as in production): a clean Supabase-shaped database raises nothing, and each
// problem made on purpose is found, with its numbers and the statement to run.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DATABASE_DAILY, DATABASE_WEEKLY } from "../../lambdas/checklist/catalog-database";
import type { Client } from "pg";
import { DATABASE_CHECKS } from "../../lambdas/checks/db";
import { activityCheck } from "../../lambdas/checks/db/activity";
import { estimateBloat, indexesCheck, indexesToReindex } from "../../lambdas/checks/db/indexes";
import {
  largeTablesCheck,
  previousSizesFromRecords,
  sizesFromRecord,
  tableGrowth,
} from "../../lambdas/checks/db/large-tables";
import { primaryKeysCheck } from "../../lambdas/checks/db/primary-keys";
import { constraintsCheck } from "../../lambdas/checks/db/constraints";
import { replicationSlotsCheck } from "../../lambdas/checks/db/replication-slots";
import { DEFAULT_DATABASE_THRESHOLDS, DatabaseThresholds } from "../../lambdas/core/database-thresholds";
import { vacuumCheck } from "../../lambdas/checks/db/vacuum";
import { sequencesCheck, sequenceUsage, usedRatio, wraparoundCheck } from "../../lambdas/checks/db/wraparound";
import { freshDatabase, TestDatabase } from "../support/db";
import { startS3, TestS3 } from "../support/s3";
import { checkContext, detailsOf, runChecked, until } from "../support/db-checks";

const DAY = 86_400_000;
const ctx = (db: TestDatabase, database: Partial<DatabaseThresholds> = {}, now = new Date(), logsBucket?: string) =>
  checkContext(db.url, database, now, { logsBucket });
// Test tables are small: judge indexes of any size.
const anySize = { indexMinBytes: 0 };
const noPrevious = largeTablesCheck(async () => undefined);
const d = detailsOf;
const run = runChecked;

describe("the database checks", () => {
  it("are exactly the catalogue's database checks", () => {
    expect(DATABASE_CHECKS.map((c) => c.id)).toEqual([...DATABASE_DAILY, ...DATABASE_WEEKLY].map((e) => e.id));
  });
});

describe("on a clean database (the Supabase-shaped fixture, analyzed)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await (await db.client("supabase_admin")).query("ANALYZE");
  });
  afterAll(() => db.drop());

  it.each([
    ["vacuum", vacuumCheck],
    ["wraparound", wraparoundCheck],
    ["sequences", sequencesCheck],
    ["activity", activityCheck],
    ["primary-keys", primaryKeysCheck],
    ["indexes", indexesCheck],
    ["large-tables", noPrevious],
    ["invalid-constraints", constraintsCheck],
    ["replication-slots", replicationSlotsCheck],
  ] as const)("%s: ok, no false alarm", async (_, check) => {
    const result = await run(check, ctx(db));
    expect({ status: result.status, summary: result.summary }).toEqual({ status: "ok", summary: expect.any(String) });
  });

  it("indexes, long after the statistics reset: ok; at any size, the fixture's never-scanned rides indexes, exactly", async () => {
    const later = new Date(Date.now() + 30 * DAY);
    expect((await run(indexesCheck, ctx(db, {}, later))).status).toBe("ok");
    const result = await run(indexesCheck, ctx(db, anySize, later));
    expect(result.status).toBe("warn");
    expect(
      d(result)
        .unused.map((u: any) => u.index)
        .sort(),
    ).toEqual([
      "public.rides_created_at_idx",
      "public.rides_driver_id_idx",
      "public.rides_status_created_at_idx",
      "public.rides_user_id_idx",
    ]);
    expect(d(result)).toMatchObject({ duplicate: [], invalid: [], bloated: [] });
  });

  it("indexes: auth (Supabase's, not ours by default) holds GoTrue's real redundant indexes, found when asked", async () => {
    const result = await run(indexesCheck, ctx(db, { maintainedSchemas: ["public", "auth"] }));
    expect(result.status).toBe("warn");
    expect(d(result).duplicate.map((x: any) => [x.index, x.coveredBy, x.statement])).toEqual([
      [
        "auth.refresh_tokens_instance_id_idx",
        "auth.refresh_tokens_instance_id_user_id_idx",
        "DROP INDEX CONCURRENTLY auth.refresh_tokens_instance_id_idx;",
      ],
      [
        "auth.sessions_user_id_idx",
        "auth.user_id_created_at_idx",
        "DROP INDEX CONCURRENTLY auth.sessions_user_id_idx;",
      ],
      [
        "auth.users_instance_id_idx",
        "auth.users_instance_id_email_idx",
        "DROP INDEX CONCURRENTLY auth.users_instance_id_idx;",
      ],
    ]);
    expect(d(result)).toMatchObject({ invalid: [], bloated: [] });
  });

  it("activity as postgres (no pg_read_all_stats): says so instead of guessing", async () => {
    const result = await run(activityCheck, ctx(db));
    expect(d(result).note).toMatch(/lacks pg_read_all_stats/);
    expect(d(result).connections).toMatchObject({ used: expect.any(Number), max: expect.any(Number) });
  });

  it("nothing to reindex", async () => {
    const owner = await db.client("postgres");
    expect(await indexesToReindex(owner, { ...DEFAULT_DATABASE_THRESHOLDS, ...anySize }, ["public", "auth"])).toEqual(
      [],
    );
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
      CREATE INDEX trips_tmp_id_idx ON public.trips_tmp (id);
      CREATE TABLE public.vacuumed_tmp (id int PRIMARY KEY) WITH (autovacuum_enabled = false);
      INSERT INTO public.vacuumed_tmp SELECT generate_series(1, 5000);
      CREATE TABLE public.no_pk (x int NOT NULL UNIQUE);
      CREATE TABLE public.counters (id serial PRIMARY KEY);
      SELECT setval('public.counters_id_seq', 2000000000);
      CREATE SEQUENCE public.legacy_seq AS bigint;
      CREATE TABLE public.legacy (id int PRIMARY KEY DEFAULT nextval('public.legacy_seq'));
      SELECT setval('public.legacy_seq', 1700000000);
      CREATE TABLE public.big_ids (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
      SELECT setval(pg_get_serial_sequence('public.big_ids', 'id'), 1700000000);
      SELECT pg_stat_force_next_flush();
    `);
    // Vacuumed once, then dead tuples: its vacuum is "old" only once days have passed.
    await owner.query("VACUUM public.vacuumed_tmp");
    await owner.query("DELETE FROM public.vacuumed_tmp WHERE id <= 3000");
    // A failed concurrent build leaves an invalid index behind.
    await expect(
      owner.query("CREATE UNIQUE INDEX CONCURRENTLY trips_tmp_w_mod_idx ON public.trips_tmp ((w % 10))"),
    ).rejects.toThrow(/could not create unique index/);
    await owner.query("SELECT pg_stat_force_next_flush()");
  });
  afterAll(() => db.drop());

  describe("vacuum", () => {
    it("the never vacuumed table with its dead tuples and ratio; tables never analyzed", async () => {
      const result = await run(vacuumCheck, ctx(db, { vacuumMinDeadTuples: 1000 }));
      expect(result.status).toBe("warn");
      expect(d(result).neglected).toEqual([
        {
          table: "public.trips_tmp",
          deadTuples: 15000,
          liveTuples: 5000,
          lastVacuum: null,
          lastAutovacuum: null,
          daysSinceVacuum: null,
          autovacuumDisabled: true,
          statement: "VACUUM (ANALYZE) public.trips_tmp;",
        },
      ]);
      expect(d(result).deadRatio).toEqual([
        { table: "public.trips_tmp", deadTuples: 15000, liveTuples: 5000, deadRatio: 0.75, autovacuumDisabled: true },
        { table: "public.vacuumed_tmp", deadTuples: 3000, liveTuples: 2000, deadRatio: 0.6, autovacuumDisabled: true },
      ]);
      expect(d(result).neverAnalyzed.map((x: any) => x.table)).toEqual(["public.trips_tmp", "public.vacuumed_tmp"]);
      expect(result.summary).toContain("1 table(s) not vacuumed for 7+ days with > 1000 dead tuples: public.trips_tmp");
      expect(result.metrics).toMatchObject({ neglectedTables: 1, highDeadRatioTables: 2, neverAnalyzedTables: 2 });
    });

    it("a vacuum older than vacuumMaxAgeDays counts as neglected", async () => {
      const tenDaysLater = new Date(Date.now() + 10 * DAY);
      const result = await run(vacuumCheck, ctx(db, { vacuumMinDeadTuples: 1000 }, tenDaysLater));
      const vacuumed = d(result).neglected.find((n: any) => n.table === "public.vacuumed_tmp");
      expect(vacuumed).toMatchObject({ deadTuples: 3000, lastVacuum: expect.any(String), lastAutovacuum: null });
      expect(vacuumed.daysSinceVacuum).toBeGreaterThanOrEqual(10);
    });
  });

  describe("sequences", () => {
    it("an int column's serial at 93% fails; an int column fed by a bigint sequence warns at 79% of 2^31-1", async () => {
      const result = await run(sequencesCheck, ctx(db));
      expect(result.status).toBe("fail");
      expect(d(result).findings).toEqual([
        {
          sequence: "public.counters_id_seq",
          columns: [{ column: "public.counters.id", type: "integer" }],
          lastValue: "2000000000",
          limit: "2147483647",
          limitedBy: "sequence max_value",
          usedRatio: 0.9313,
          status: "fail",
        },
        {
          sequence: "public.legacy_seq",
          columns: [{ column: "public.legacy.id", type: "integer" }],
          lastValue: "1700000000",
          limit: "2147483647",
          limitedBy: "public.legacy.id (integer)",
          usedRatio: 0.7916,
          status: "warn",
        },
      ]);
      // The same value in a bigint identity is nowhere near its end.
      expect(d(result).findings.map((f: any) => f.sequence)).not.toContain("public.big_ids_id_seq");
      expect(result.metrics).toEqual({ maxSequenceUsedRatio: 0.9313, sequencesNearLimit: 2 });
    });

    it("ratios: descending sequences count down, never-used ones are at 0, unreadable ones are not judged", () => {
      expect(usedRatio(-30000n, -32768n)).toBe(0.9155);
      expect(usedRatio(5n, -32768n)).toBe(0);
      const base = {
        increment: "1",
        min: "1",
        max: "9223372036854775807",
        cycle: false,
        column: "public.t.id",
        type: "smallint",
      };
      const { usage, unreadable } = sequenceUsage([
        { ...base, sequence: "public.a", last: null, readable: true },
        { ...base, sequence: "public.b", last: null, readable: false },
        { ...base, sequence: "public.c", last: "32000", readable: true },
      ]);
      expect(usage.map((u) => [u.sequence, u.usedRatio, u.limit])).toEqual([
        ["public.a", 0, "32767"],
        ["public.c", 0.9765, "32767"],
      ]);
      expect(unreadable).toEqual(["public.b"]);
    });
  });

  describe("wraparound", () => {
    it("graded against the thresholds, with the tables over them and the statement to freeze them", async () => {
      const warn = await run(wraparoundCheck, ctx(db, { xidAgeWarn: 1, xidAgeFail: 2_000_000_000 }));
      expect(warn.status).toBe("warn");
      expect(d(warn).database).toMatchObject({ xidAge: expect.any(Number), multixactAge: expect.any(Number) });
      expect(d(warn).oldestTables.length).toBe(5);
      for (const x of d(warn).tables)
        expect(x).toMatchObject({ status: "warn", statement: `VACUUM (FREEZE, ANALYZE) ${x.table};` });
      expect((await run(wraparoundCheck, ctx(db, { xidAgeWarn: 1, xidAgeFail: 1 }))).status).toBe("fail");
      expect((await run(wraparoundCheck, ctx(db))).status).toBe("ok");
    });
  });

  describe("activity", () => {
    it("a session idle in its transaction past the threshold", async () => {
      const app = await db.client("postgres");
      await app.query("BEGIN");
      await app.query("SELECT count(*) FROM public.trips_tmp");
      const pid = (app as any).processID as number;
      await until(
        owner,
        "SELECT now() - state_change > interval '1.2 seconds' AS ok FROM pg_stat_activity WHERE pid = $1",
        [pid],
      );
      const result = await run(activityCheck, ctx(db, { idleInTransactionSeconds: 1 }));
      await app.query("ROLLBACK");
      expect(result.status).toBe("warn");
      expect(result.summary).toContain(`1 session(s) idle in transaction > 1 s (pid ${pid})`);
      expect(d(result).idleInTransaction).toEqual([
        expect.objectContaining({
          pid,
          user: "postgres",
          state: "idle in transaction",
          query: "SELECT count(*) FROM public.trips_tmp",
          statement: `SELECT pg_terminate_backend(${pid});`,
        }),
      ]);
      expect(d(result).idleInTransaction[0].idleSeconds).toBeGreaterThanOrEqual(1);
    });

    it("a long-running query", async () => {
      const app = await db.client("postgres");
      const pid = (app as any).processID as number;
      const sleeping = app.query("SELECT pg_sleep(60)").catch((e: Error) => e);
      await until(
        owner,
        "SELECT state = 'active' AND query LIKE '%pg_sleep%' AS ok FROM pg_stat_activity WHERE pid = $1",
        [pid],
      );
      const result = await run(activityCheck, ctx(db, { longQueryWarnSeconds: 0 }));
      await owner.query("SELECT pg_cancel_backend($1)", [pid]);
      expect(await sleeping).toBeInstanceOf(Error);
      expect(result.status).toBe("warn");
      expect(d(result).longQueries).toEqual([
        expect.objectContaining({ pid, user: "postgres", state: "active", query: "SELECT pg_sleep(60)" }),
      ]);
    });

    it("another role's idle transaction is hidden from postgres: counted as hidden, not judged", async () => {
      const admin = await db.client("supabase_admin");
      await admin.query("BEGIN");
      await admin.query("SELECT 1");
      const result = await run(activityCheck, ctx(db, { idleInTransactionSeconds: 0 }));
      await admin.query("ROLLBACK");
      expect(d(result).idleInTransaction).toEqual([]);
      expect(d(result).hiddenSessions).toBeGreaterThanOrEqual(1);
      expect(result.summary).toMatch(/session\(s\) of other roles not visible/);
    });

    it("connections against max_connections, and the cache hit ratio", async () => {
      expect(await run(activityCheck, ctx(db, { connectionsWarn: 0.0001 }))).toMatchObject({
        status: "warn",
        summary: expect.stringMatching(/^\d+\/\d+ connections/),
      });
      expect((await run(activityCheck, ctx(db, { connectionsWarn: 0.0001, connectionsFail: 0.0001 }))).status).toBe(
        "fail",
      );
      const cache = await run(activityCheck, ctx(db, { cacheHitMinBlocks: 1, cacheHitRatioWarn: 1.01 }));
      expect(cache.status).toBe("warn");
      expect(cache.summary).toMatch(/cache hit ratio [\d.]+% < 101%/);
      expect(cache.metrics!.cacheHitRatio).toBeGreaterThan(0);
      // Too few blocks to mean anything: not judged.
      expect(
        d(await run(activityCheck, ctx(db, { cacheHitMinBlocks: 1e12, cacheHitRatioWarn: 1.01 }))).cache,
      ).toMatchObject({ hitRatio: null, note: expect.stringContaining("not judged") });
    });
  });

  it("primary-keys: the table without one, with the unique index that could become it", async () => {
    const result = await run(primaryKeysCheck, ctx(db));
    expect(result).toMatchObject({
      status: "warn",
      summary: "1 table(s) without a primary key: public.no_pk",
      details: [
        { table: "public.no_pk", estimatedRows: 0, totalBytes: expect.any(Number), uniqueIndexes: ["no_pk_x_key"] },
      ],
    });
  });

  describe("indexes", () => {
    it("duplicate and invalid, each with the statement a DBA would run; unused listed but not judged on fresh statistics", async () => {
      const result = await run(indexesCheck, ctx(db, anySize));
      expect(result.status).toBe("warn");
      expect(d(result).invalid).toEqual([
        {
          index: "public.trips_tmp_w_mod_idx",
          table: "public.trips_tmp",
          bytes: expect.any(Number),
          statement: "REINDEX INDEX CONCURRENTLY public.trips_tmp_w_mod_idx;",
          orRecreate: [
            "DROP INDEX CONCURRENTLY public.trips_tmp_w_mod_idx;",
            "CREATE UNIQUE INDEX CONCURRENTLY trips_tmp_w_mod_idx ON public.trips_tmp USING btree (((w % 10)));",
          ],
          note: expect.stringContaining("duplicate keys"),
        },
      ]);
      expect(d(result).duplicate.map((x: any) => [x.index, x.coveredBy, x.statement])).toEqual([
        ["public.trips_tmp_id_idx", "public.trips_tmp_pkey", "DROP INDEX CONCURRENTLY public.trips_tmp_id_idx;"],
        ["public.trips_tmp_v_idx", "public.trips_tmp_v_w_idx", "DROP INDEX CONCURRENTLY public.trips_tmp_v_idx;"],
      ]);
      const unused = d(result).unused.map((u: { index: string }) => u.index);
      expect(unused).toEqual(
        expect.arrayContaining(["public.trips_tmp_v_idx", "public.trips_tmp_v_w_idx", "public.trips_tmp_id_idx"]),
      );
      // Primary keys and unique indexes are never "unused".
      expect(unused).not.toContain("public.trips_tmp_pkey");
      expect(unused).not.toContain("public.no_pk_x_key");
      expect(d(result).unusedNote).toMatch(/not judged/);
      expect(result.summary).toMatch(/^2 duplicate, 1 invalid index\(es\)/);
    });

    it("unused indexes are judged once the statistics are old enough", async () => {
      const result = await run(indexesCheck, ctx(db, anySize, new Date(Date.now() + 30 * DAY)));
      expect(d(result).unusedNote).toBeUndefined();
      expect(result.summary).toMatch(/^\d+ unused, 2 duplicate, 1 invalid index\(es\)/);
      expect(d(result).unused.find((u: any) => u.index === "public.trips_tmp_v_w_idx")).toEqual({
        index: "public.trips_tmp_v_w_idx",
        table: "public.trips_tmp",
        bytes: expect.any(Number),
        scans: 0,
        statement: "DROP INDEX CONCURRENTLY public.trips_tmp_v_w_idx;",
      });
      // Below indexMinBytes, not worth reporting.
      expect(
        d(await run(indexesCheck, ctx(db, { indexMinBytes: 1e12 }, new Date(Date.now() + 30 * DAY)))).unused,
      ).toEqual([]);
    });

    it("a bloated index after most of its rows went, for the check and for the monthly reindex", async () => {
      await owner.query(`
        CREATE TABLE public.bloat_demo (id int PRIMARY KEY, v text);
        INSERT INTO public.bloat_demo SELECT i, md5(i::text) FROM generate_series(1, 100000) i;
        CREATE INDEX bloat_demo_v_idx ON public.bloat_demo (v);
        DELETE FROM public.bloat_demo WHERE id % 10 <> 0;`);
      await owner.query("VACUUM ANALYZE public.bloat_demo");
      const result = await run(indexesCheck, ctx(db, anySize));
      const bloated = d(result).bloated.find((b: any) => b.index === "public.bloat_demo_v_idx");
      expect(bloated).toMatchObject({
        statement: "REINDEX INDEX CONCURRENTLY public.bloat_demo_v_idx;",
        estimatedBloatBytes: expect.any(Number),
      });
      expect(bloated.estimatedBloatRatio).toBeGreaterThan(0.8);

      const targets = await indexesToReindex(owner, { ...DEFAULT_DATABASE_THRESHOLDS, ...anySize }, ["public"]);
      expect(targets.map((x) => [x.reason, x.statement])).toEqual(
        expect.arrayContaining([
          ["invalid", "REINDEX INDEX CONCURRENTLY public.trips_tmp_w_mod_idx;"],
          ["bloated", "REINDEX INDEX CONCURRENTLY public.bloat_demo_v_idx;"],
        ]),
      );
      expect(
        targets.every(
          (x) => x.reason === "invalid" || x.estimatedBloatRatio! > DEFAULT_DATABASE_THRESHOLDS.indexBloatRatio,
        ),
      ).toBe(true);
      expect(await indexesToReindex(owner, { ...DEFAULT_DATABASE_THRESHOLDS, ...anySize }, ["auth"])).toEqual([]);
    });

    it("the bloat estimate: a freshly built index is not bloated", () => {
      const fresh = { method: "btree", hasExpressions: false, width: 33, blockSize: 8192, fillfactor: 90 };
      // 100,000 entries of 52 bytes on 7,336-byte pages: 709 leaf pages + the meta page.
      expect(estimateBloat({ ...fresh, relpages: 712, reltuples: 100_000 })!.ratio).toBeLessThan(0.01);
      expect(estimateBloat({ ...fresh, relpages: 2840, reltuples: 100_000 })).toEqual({
        ratio: 0.75,
        bytes: (2840 - 710) * 8192,
      });
      expect(estimateBloat({ ...fresh, width: null, relpages: 2840, reltuples: 100_000 })).toBeNull();
      expect(estimateBloat({ ...fresh, method: "gin", relpages: 2840, reltuples: 100_000 })).toBeNull();
    });
  });

  describe("large-tables", () => {
    it("the largest tables, and growth against the previous week (injected)", async () => {
      const result = await run(
        largeTablesCheck(async () => ({ "public.trips_tmp": 100 })),
        ctx(db, { tableGrowthWarn: 0.5 }),
      );
      expect(result.status).toBe("warn");
      const trips = d(result).tables.find((t: { table: string }) => t.table === "public.trips_tmp");
      expect(trips).toMatchObject({ liveRows: 5000, previousBytes: 100 });
      expect(trips.growth).toBeGreaterThan(100);
      expect(d(result).growing.map((g: any) => g.table)).toEqual(["public.trips_tmp"]);
      expect(d(result).comparedWithPreviousWeek).toBe(true);
    });

    it("no previous record: ok, says so; an unreadable one: ok, with the reason", async () => {
      expect(await run(noPrevious, ctx(db))).toMatchObject({
        status: "ok",
        summary: expect.stringContaining("no previous weekly record"),
      });
      const broken = await run(
        largeTablesCheck(async () => {
          throw new Error("Access Denied");
        }),
        ctx(db),
      );
      expect(broken).toMatchObject({
        status: "ok",
        details: { note: "previous weekly record unreadable: Access Denied" },
      });
    });

    it("growth and record parsing are pure functions", () => {
      expect(
        tableGrowth(
          [
            { table: "a", totalBytes: 300, liveRows: 1 },
            { table: "b", totalBytes: 50, liveRows: 1 },
          ],
          { a: 200 },
        ),
      ).toEqual([
        { table: "a", totalBytes: 300, liveRows: 1, previousBytes: 200, growth: 0.5 },
        { table: "b", totalBytes: 50, liveRows: 1 },
      ]);
      expect(
        sizesFromRecord({
          results: [{ id: "uptime" }, { id: "large-tables", details: { tables: [{ table: "a", totalBytes: 7 }] } }],
        }),
      ).toEqual({ a: 7 });
      expect(
        sizesFromRecord({ results: [{ id: "large-tables", status: "fail", summary: "timed out" }] }),
      ).toBeUndefined();
      expect(sizesFromRecord(null)).toBeUndefined();
    });

    describe("with the weekly records in a real S3 server", () => {
      let s3: TestS3;
      beforeAll(async () => {
        s3 = await startS3();
        await s3.createBucket("logs");
      });
      afterAll(() => s3.stop());

      const put = (key: string, body: unknown) =>
        s3.client.send(
          new PutObjectCommand({
            Bucket: "logs",
            Key: key,
            Body: JSON.stringify(body),
            ContentType: "application/json",
          }),
        );
      const check = largeTablesCheck(({ logsBucket }) => previousSizesFromRecords(() => s3.client, logsBucket));

      it("reads the latest weekly record that measured the sizes", async () => {
        expect(await run(check, ctx(db, {}, new Date(), "logs"))).toMatchObject({
          status: "ok",
          details: { comparedWithPreviousWeek: false },
        });
        const {
          rows: [{ bytes }],
        } = await owner.query("SELECT pg_total_relation_size('public.trips_tmp')::float8 AS bytes");
        await put("reports/checklists/weekly/2026-11-09.json", {
          list: "weekly",
          results: [{ id: "large-tables", details: { tables: [{ table: "public.trips_tmp", totalBytes: 1 }] } }],
        });
        await put("reports/checklists/weekly/2026-11-16.json", {
          list: "weekly",
          results: [
            { id: "large-tables", details: { tables: [{ table: "public.trips_tmp", totalBytes: bytes / 2 }] } },
          ],
        });
        // The latest weekly run's large-tables failed (no details): the one before is used.
        await put("reports/checklists/weekly/2026-11-23.json", {
          list: "weekly",
          results: [{ id: "large-tables", status: "fail", summary: "timed out after 30000 ms" }],
        });
        // Daily records are not weekly ones.
        await put("reports/checklists/daily/2026-11-24.json", {
          list: "daily",
          results: [{ id: "large-tables", details: { tables: [{ table: "public.trips_tmp", totalBytes: 1 }] } }],
        });

        const result = await run(check, ctx(db, { tableGrowthWarn: 0.5 }, new Date(), "logs"));
        expect(result.status).toBe("warn");
        expect(d(result).tables.find((t: any) => t.table === "public.trips_tmp")).toMatchObject({
          previousBytes: bytes / 2,
          growth: 1,
        });
        expect(result.summary).toMatch(/^grew more than \+50% in a week: public\.trips_tmp /);
      });

      it("a missing bucket: ok, with the reason", async () => {
        const result = await run(check, ctx(db, {}, new Date(), "no-such-bucket"));
        expect(result).toMatchObject({
          status: "ok",
          details: {
            comparedWithPreviousWeek: false,
            note: expect.stringContaining("previous weekly record unreadable"),
          },
        });
      });
    });
  });
});
