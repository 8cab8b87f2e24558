// The weekly purge of temporary data on the real PostgreSQL: old rows of each configured table
// go in batches, recent ones stay; the dry run counts the same; nothing configured says so.
import { purgeTemporaryData } from "../../lambdas/tasks/purge-temporary";
import { useFreshDatabase } from "../support/db";

describe("purge-temporary", () => {
  const db = useFreshDatabase();

  it("deletes exactly the rows older than the max age, after a dry run counting them", async () => {
    const owner = await db().client("postgres");
    await owner.query(`CREATE TABLE public.ride_quotes (id int PRIMARY KEY, created_at timestamptz NOT NULL);
      INSERT INTO public.ride_quotes SELECT i, now() - make_interval(days => i, hours => 1) FROM generate_series(1, 300) i;`);
    const target = [{ table: "public.ride_quotes", column: "created_at", maxAgeDays: 100 }];
    const old = 201; // 100 days and 1 hour old, up to 300 days
    const dry = await purgeTemporaryData(db().url, target, { dryRun: true });
    expect(dry.counts).toEqual({ "public.ride_quotes": old });
    const done = await purgeTemporaryData(db().url, target, { batchSize: 50 });
    expect(done.counts).toEqual(dry.counts);
    expect(done.summary).toBe(`deleted ${old} from public.ride_quotes (created_at older than 100 days)`);
    const { rows } = await owner.query(
      "SELECT count(*)::int AS n, min(id) AS first, max(id) AS last FROM public.ride_quotes",
    );
    expect(rows[0]).toEqual({ n: 99, first: 1, last: 99 });
  });

  it("with nothing configured, says where to configure it", async () => {
    expect((await purgeTemporaryData(db().url, [])).summary).toBe(
      "no temporary data configured (database.tasks.temporaryData)",
    );
  });
});
