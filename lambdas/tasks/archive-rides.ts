// Monthly "Archive des anciennes courses", done as the line means: rides older than the cutoff
// are MOVED from rides to rides_archive, in batches, each batch one transaction that deletes
// and inserts together, so a ride is in exactly one table at every instant. A killed run rolls
// back its current batch only; a re-run carries on. Rows copied by hand earlier (the guide's
// `INSERT … SELECT`, which never deleted) are recognised: identical copies just leave rides,
// different ones stop the task before anything is touched.
import type { Client } from "pg";
import { inTransaction, retryOnSerializationFailure, runTask } from "./session";
import { progressOf, TaskOptions, TaskResult } from "./types";

export interface ArchiveOptions extends TaskOptions {
  /** Rides created before now() minus this are archived (guide: 6 months). */
  olderThanMonths?: number;
  /** Or an explicit instant instead (an operator re-running "as of" a date; tests). */
  before?: Date;
}

const TASK = "archive-rides";

async function columnsOf(client: Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ col: string }>(
    `SELECT attname || ' ' || format_type(atttypid, atttypmod) AS col FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  return rows.map((r) => r.col);
}

/** Differences between the two tables' columns (name and type, in order), in words. */
export function columnDifferences(rides: string[], archive: string[]): string[] {
  const diffs: string[] = [];
  for (let i = 0; i < Math.max(rides.length, archive.length); i++) {
    if (rides[i] !== archive[i]) diffs.push(`column ${i + 1}: rides has ${rides[i] ?? "nothing"}, rides_archive has ${archive[i] ?? "nothing"}`);
  }
  return diffs;
}

export async function archiveRides(databaseUrl: string, options: ArchiveOptions = {}): Promise<TaskResult> {
  const settings = { ...options, batchSize: options.batchSize ?? 5_000, olderThanMonths: options.olderThanMonths ?? 6 };
  return runTask(TASK, databaseUrl, options, (client, began) => run(client, settings, began));
}

async function run(client: Client, options: Required<Pick<ArchiveOptions, "batchSize" | "olderThanMonths">> & ArchiveOptions, began: number): Promise<TaskResult> {
  const dryRun = !!options.dryRun;
  // One cutoff for the whole run, so batches and the final check agree.
  const { rows: [{ cutoff }] } = await client.query<{ cutoff: Date }>(
    `SELECT coalesce($2::timestamptz, now() - make_interval(months => $1)) AS cutoff`,
    [options.olderThanMonths, options.before ?? null],
  );
  const archiveExists = (await client.query("SELECT to_regclass('public.rides_archive') AS t")).rows[0].t !== null;
  if (archiveExists) {
    const diffs = columnDifferences(await columnsOf(client, "public.rides"), await columnsOf(client, "public.rides_archive"));
    if (diffs.length) throw new Error(`rides_archive does not have the columns of rides; nothing was moved. Align the tables first: ${diffs.join("; ")}`);
    // Copies left by the guide's INSERT … SELECT: identical ones are fine, different ones are not ours to settle.
    const { rows } = await client.query<{ id: string }>(
      `SELECT r.id::text FROM public.rides r JOIN public.rides_archive a ON a.id = r.id WHERE r::text IS DISTINCT FROM a::text LIMIT 10`,
    );
    if (rows.length) throw new Error(`rides ${rows.map((r) => r.id).join(", ")} are in both tables with different content; nothing was moved. Decide which copy is right, then re-run`);
  }
  const { rows: [{ n }] } = await client.query<{ n: string }>("SELECT count(*) AS n FROM public.rides WHERE created_at < $1", [cutoff]);
  const total = Number(n);
  const batches = Math.ceil(total / options.batchSize);
  const plan = { toMove: total, batches, batchSize: options.batchSize, createArchive: archiveExists ? 0 : 1 };
  if (dryRun) {
    return {
      task: TASK, dryRun, counts: plan, longestTransactionMs: 0, durationMs: performance.now() - began,
      summary: `would move ${total} rides created before ${cutoff.toISOString()} in ${batches} batches of ${options.batchSize}${archiveExists ? "" : ", after creating rides_archive"}`,
    };
  }
  if (!archiveExists) {
    // Columns and NOT NULLs of rides; no identity (archived ids are kept as they were), its own key.
    await client.query("CREATE TABLE IF NOT EXISTS public.rides_archive (LIKE public.rides INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (id))");
    await client.query("CREATE INDEX IF NOT EXISTS rides_archive_created_at_idx ON public.rides_archive (created_at)");
  }
  const { rows: [{ before }] } = await client.query<{ before: string }>("SELECT count(*) AS before FROM public.rides_archive");

  // With a unique key on id (ours has one), a copy already there is skipped by the index itself.
  const { rows: [{ keyed }] } = await client.query<{ keyed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
       WHERE i.indrelid = 'public.rides_archive'::regclass AND i.indisunique AND i.indnatts = 1 AND a.attname = 'id') AS keyed`,
  );
  const insertSql = keyed
    ? "INSERT INTO public.rides_archive SELECT * FROM public.rides WHERE created_at >= $1 AND created_at < $2 ON CONFLICT (id) DO NOTHING"
    : "INSERT INTO public.rides_archive SELECT * FROM public.rides r WHERE created_at >= $1 AND created_at < $2 AND NOT EXISTS (SELECT 1 FROM public.rides_archive a WHERE a.id = r.id)";
  let moved = 0;
  let alreadyArchived = 0;
  let longest = 0;
  // Keyset: each batch starts where the last one ended, so it never walks the index entries of
  // rows already moved (they stay in the index, dead, until the next vacuum).
  let from = new Date(0);
  const started = performance.now();
  const onBatch = (batch: { moved: number; inserted: number }, ms: number) => {
    longest = Math.max(longest, ms);
    moved += batch.moved;
    alreadyArchived += batch.moved - batch.inserted;
    options.onProgress?.(progressOf(moved, total, started));
  };
  // First pass: the heap in page ranges (TID range scans read pages in order, like the guide's
  // one-shot statements, at a batch's cost); then the created_at keyset below catches the
  // rows a concurrent update moved behind the first pass.
  await moveByPages(client, { cutoff, batchSize: options.batchSize, keyed }, onBatch);
  for (;;) {
    // The batch is a created_at range [from, upto): copied then deleted by two index range scans
    // in one REPEATABLE READ transaction, so the rows deleted are exactly the rows copied (an
    // app update in between makes the batch fail and be retried, never lost). `upto` is the
    // created_at of the row batchSize ahead (or the cutoff), so ties never straddle two batches.
    const { value, ms } = await retryOnSerializationFailure(() => inTransaction(client, async () => {
      const { rows: [{ upto }] } = await client.query<{ upto: Date }>(
        `WITH ahead AS (
           SELECT coalesce((SELECT created_at FROM public.rides WHERE created_at >= $3 AND created_at < $1
                            ORDER BY created_at OFFSET $2 LIMIT 1), $1::timestamptz) AS b)
         -- More than a batch sharing one created_at: take them all rather than an empty range.
         SELECT CASE WHEN b > $3 THEN b
                     ELSE coalesce((SELECT min(created_at) FROM public.rides WHERE created_at > $3 AND created_at < $1), $1::timestamptz) END AS upto
         FROM ahead`,
        [cutoff, options.batchSize, from],
      );
      const inserted = await client.query(`${insertSql}`, [from, upto]);
      const deleted = await client.query("DELETE FROM public.rides WHERE created_at >= $1 AND created_at < $2", [from, upto]);
      return { moved: deleted.rowCount ?? 0, inserted: inserted.rowCount ?? 0, last: upto };
    }, "REPEATABLE READ"));
    if (value.moved === 0 && value.last.getTime() >= cutoff.getTime()) break;
    onBatch(value, ms);
    from = value.last;
  }

  // The counts must add up: nothing old left in rides, and the archive grew by what was inserted.
  const { rows: [check] } = await client.query<{ left: string; after: string }>(
    "SELECT (SELECT count(*) FROM public.rides WHERE created_at < $1) AS left, (SELECT count(*) FROM public.rides_archive) AS after",
    [cutoff],
  );
  const grew = Number(check.after) - Number(before);
  if (Number(check.left) !== 0 || grew !== moved - alreadyArchived) {
    throw new Error(`counts do not add up: ${check.left} old rides left, archive grew by ${grew} for ${moved - alreadyArchived} inserted`);
  }
  return {
    task: TASK, dryRun, counts: { moved, alreadyArchived, batches: Math.ceil(moved / options.batchSize), archiveRows: Number(check.after) },
    longestTransactionMs: Math.round(longest), durationMs: performance.now() - began,
    summary: `moved ${moved} rides created before ${cutoff.toISOString()} to rides_archive${alreadyArchived ? ` (${alreadyArchived} were already archived identically)` : ""}; archive holds ${check.after}`,
  };
}

/**
 * Moves old rides page range by page range: each batch copies then deletes the old rows of
 * `[page, page + n)` in one REPEATABLE READ transaction (retried on a concurrent update).
 */
async function moveByPages(
  client: Client,
  args: { cutoff: Date; batchSize: number; keyed: boolean },
  onBatch: (batch: { moved: number; inserted: number }, ms: number) => void,
): Promise<void> {
  const { rows: [size] } = await client.query<{ pages: number; per_page: number }>(
    `SELECT (pg_relation_size('public.rides') / current_setting('block_size')::int)::int AS pages,
            CASE WHEN relpages > 0 AND reltuples > 0 THEN reltuples / relpages ELSE 50 END AS per_page
     FROM pg_class WHERE oid = 'public.rides'::regclass`,
  );
  const step = Math.max(1, Math.floor(args.batchSize / Math.max(1, size.per_page)));
  const range = "ctid >= format('(%s,0)', $1::int)::tid AND ctid < format('(%s,0)', $2::int)::tid AND created_at < $3";
  const insert = args.keyed
    ? `INSERT INTO public.rides_archive SELECT * FROM public.rides WHERE ${range} ON CONFLICT (id) DO NOTHING`
    : `INSERT INTO public.rides_archive SELECT * FROM public.rides r WHERE ${range} AND NOT EXISTS (SELECT 1 FROM public.rides_archive a WHERE a.id = r.id)`;
  for (let page = 0; page < size.pages; page += step) {
    const params = [page, page + step, args.cutoff];
    const { value, ms } = await retryOnSerializationFailure(() =>
      inTransaction(client, async () => {
        const inserted = await client.query(insert, params);
        const deleted = await client.query(`DELETE FROM public.rides WHERE ${range}`, params);
        return { moved: deleted.rowCount ?? 0, inserted: inserted.rowCount ?? 0 };
      }, "REPEATABLE READ"),
    );
    if (value.moved) onBatch(value, ms);
  }
}
