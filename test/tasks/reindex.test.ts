// REINDEX INDEX CONCURRENTLY of what needs it only, never the whole database; leftovers of an
// interrupted rebuild cleaned up.
import { reindex } from "../../lambdas/tasks/reindex";
import { useFreshDatabase } from "../support/db";

describe("reindex", () => {
  const db = useFreshDatabase();

  it("rebuilds the invalid index, drops a leftover _ccnew, and says so in the dry run first", async () => {
    const owner = await db().client("postgres");
    await owner.query(`CREATE TABLE public.codes (id int PRIMARY KEY, code text);
      INSERT INTO public.codes SELECT i, 'c' || (i % 100) FROM generate_series(1, 1000) i;`);
    // Two failed concurrent builds: one the app's index, one looking like an interrupted REINDEX's copy.
    await expect(owner.query("CREATE UNIQUE INDEX CONCURRENTLY codes_code_key ON public.codes (code)")).rejects.toThrow(
      /could not create unique index/,
    );
    await expect(
      owner.query("CREATE UNIQUE INDEX CONCURRENTLY codes_code_key_ccnew ON public.codes (code)"),
    ).rejects.toThrow(/could not create unique index/);
    await owner.query("DELETE FROM public.codes WHERE id > 100");

    const dry = await reindex(db().url, { dryRun: true, thresholds: { indexMinBytes: 0 } });
    expect(dry.counts).toEqual({ leftoversToDrop: 1, toReindex: 1 });
    expect(dry.summary).toBe(
      "would run, one at a time: DROP INDEX CONCURRENTLY public.codes_code_key_ccnew; REINDEX INDEX CONCURRENTLY public.codes_code_key;",
    );

    const result = await reindex(db().url, { thresholds: { indexMinBytes: 0 } });
    expect(result.counts).toEqual({ droppedLeftovers: 1, reindexed: 1 });
    const { rows } = await owner.query(
      "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'public.codes'::regclass ORDER BY 1",
    );
    expect(rows).toEqual([
      { relname: "codes_code_key", indisvalid: true },
      { relname: "codes_pkey", indisvalid: true },
    ]);
    expect((await reindex(db().url, { dryRun: true, thresholds: { indexMinBytes: 0 } })).summary).toBe(
      "nothing to rebuild in public",
    );
  });

  it("a rebuild that fails is reported with its statement, and its leftover is not kept", async () => {
    const owner = await db().client("postgres");
    await owner.query(
      "CREATE TABLE public.dups (id int PRIMARY KEY, v int); INSERT INTO public.dups SELECT i, i % 3 FROM generate_series(1, 30) i;",
    );
    await expect(owner.query("CREATE UNIQUE INDEX CONCURRENTLY dups_v_key ON public.dups (v)")).rejects.toThrow();
    await expect(reindex(db().url, { thresholds: { indexMinBytes: 0 } })).rejects.toThrow(
      /REINDEX INDEX CONCURRENTLY public\.dups_v_key; → could not create unique index/,
    );
    const { rows } = await owner.query(
      "SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'dups_v_key_ccnew%'",
    );
    expect(rows[0].n).toBe(0);
  });
});
