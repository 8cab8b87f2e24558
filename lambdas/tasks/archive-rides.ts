// Monthly "Archive des anciennes courses", done as the line means: rides older than the cutoff
// are MOVED from rides to rides_archive, in batches, each batch one transaction that deletes
// and inserts together, so a ride is in exactly one table at every instant. A killed run rolls
// back its current batch only; a re-run carries on. Rows copied by hand earlier (the guide's
// `INSERT … SELECT`, which never deleted) are recognised: identical copies just leave rides,
// different ones stop the task before anything is touched. A ride another table still
// references stays in rides (archive-references.ts), unless that table is listed to move along.
//
// Cost, against the guide's one-shot statements: a batch does the same per-row work (one read to
// copy, one to delete, the archive's index entries; the same WAL per row) in one round trip; on
// top of that the run counts the old rides on the created_at index (index-only where the
// visibility map allows), reads its two ends for the pages to cover, and reads it once more at
// the end to prove no old ride is left.
import type { Client } from "pg";
import { batchInOneTrip, inTransaction, runTask } from "../core/session";
import { pageRanges, rowsPerPageSql } from "./page-ranges";
import { createDependentArchives, findReferences, unreferenced } from "./archive-references";
import { checkedMoveSql, differingCopies, moveReferenced, readChecked } from "./archive-guarded";
import { phaseTimer, progressOf, TaskOptions, TaskResult } from "../core/task";
import { archiveDryRun, keptBy, keptSummary } from "./archive-dry-run";

export interface ArchiveOptions extends TaskOptions {
  /** Rides created before now() minus this are archived (guide: 6 months). */
  olderThanMonths?: number;
  /** Or an explicit instant instead (an operator re-running "as of" a date; tests). */
  before?: Date;
  /** Tables referencing rides whose rows move with their ride (config database.tasks.archive.withDependents). */
  withDependents?: string[];
}

const TASK = "archive-rides";
// Page batches grow from batchSize rows while they take under 200 ms (a 5,000-row batch takes
// tens of ms: its round trip, planning and commit weighed on the run), up to 25,000 rows, so the
// longest transaction the app may wait on stays under a second even on a busy server.
const PACING = { targetMs: 200, maxRows: 25_000 };

async function columnsOf(client: Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ col: string }>(
    `SELECT attname || ' ' || format_type(atttypid, atttypmod) AS col FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  return rows.map((r) => r.col);
}

/** Differences between the two tables' columns (name and type, in order), in words. */
export function columnDifferences(rides: string[], archive: string[], names = ["rides", "rides_archive"]): string[] {
  const diffs: string[] = [];
  for (let i = 0; i < Math.max(rides.length, archive.length); i++) {
    if (rides[i] !== archive[i])
      diffs.push(
        `column ${i + 1}: ${names[0]} has ${rides[i] ?? "nothing"}, ${names[1]} has ${archive[i] ?? "nothing"}`,
      );
  }
  return diffs;
}

export async function archiveRides(databaseUrl: string, options: ArchiveOptions = {}): Promise<TaskResult> {
  const settings = { ...options, batchSize: options.batchSize ?? 5_000, olderThanMonths: options.olderThanMonths ?? 6 };
  return runTask(TASK, databaseUrl, options, (client, began) => run(client, settings, began));
}

/**
 * "straight": the archive has a unique key on id and held no copy of an old ride when the run
 * began, so a batch just copies (a copy made meanwhile by hand fails the batch on the key, and
 * the run goes on "checked"). "checked": each batch skips rows already archived identically and
 * refuses rows archived with a different content; it is also how a straight batch that met an
 * app update is redone.
 */
type Mode = "straight" | "checked";
interface Batch {
  moved: number;
  inserted: number;
  dependents?: Record<string, number>;
  redone?: number;
  checked?: boolean;
}

async function run(
  client: Client,
  options: Required<Pick<ArchiveOptions, "batchSize" | "olderThanMonths">> & ArchiveOptions,
  began: number,
): Promise<TaskResult> {
  const dryRun = !!options.dryRun;
  const timer = phaseTimer(began);
  // One cutoff for the whole run, so batches and the final check agree; as text, to the microsecond.
  const {
    rows: [{ cutoff, at }],
  } = await client.query<{ cutoff: string; at: Date }>(
    `SELECT c::text AS cutoff, c AS at FROM coalesce($2::timestamptz, now() - make_interval(months => $1)) AS c`,
    [options.olderThanMonths, options.before ?? null],
  );
  const old = `r.created_at < ${client.escapeLiteral(cutoff)}::timestamptz`;
  const archiveExists = (await client.query("SELECT to_regclass('public.rides_archive') AS t")).rows[0].t !== null;
  // Every foreign key onto rides, before anything moves: referenced rides stay unless their
  // referencing table is listed to move along.
  const refs = await findReferences(client, options.withDependents);
  const referenced = refs.blockers.length + refs.dependents.length > 0;
  for (const d of refs.dependents) {
    if ((await client.query("SELECT to_regclass($1) AS t", [d.archive])).rows[0].t === null) continue;
    const diffs = columnDifferences(await columnsOf(client, d.table), await columnsOf(client, d.archive), [
      d.table,
      d.archive,
    ]);
    if (diffs.length)
      throw new Error(
        `${d.archive} does not have the columns of ${d.table}; nothing was moved. Align the tables first: ${diffs.join("; ")}`,
      );
  }
  const movable = referenced ? `${old} AND ${unreferenced(refs)}` : old;
  let copies = 0;
  let before = 0;
  if (archiveExists) {
    const diffs = columnDifferences(
      await columnsOf(client, "public.rides"),
      await columnsOf(client, "public.rides_archive"),
    );
    if (diffs.length)
      throw new Error(
        `rides_archive does not have the columns of rides; nothing was moved. Align the tables first: ${diffs.join("; ")}`,
      );
    // Copies left by the guide's INSERT … SELECT: identical ones are fine, different ones are not
    // ours to settle. Counted in one snapshot with the archive's rows, for the final check.
    const {
      rows: [found],
    } = await client.query<{ copies: string; differing: string[] | null; archived: string }>(
      `SELECT count(*) AS copies, (array_agg(r.id::text ORDER BY r.id) FILTER (WHERE r::text IS DISTINCT FROM a::text))[1:10] AS differing,
         (SELECT count(*) FROM public.rides_archive) AS archived
       FROM public.rides r JOIN public.rides_archive a ON a.id = r.id WHERE ${old}`,
    );
    if (found.differing?.length) throw new Error(differingCopies(found.differing, "nothing was moved"));
    copies = Number(found.copies);
    before = Number(found.archived);
  }
  if (dryRun)
    return archiveDryRun(client, {
      task: TASK,
      old,
      movable,
      refs,
      at,
      archiveExists,
      batchSize: options.batchSize,
      targetMs: PACING.targetMs,
      began,
    });
  // The archive tables appear together or not at all: a run killed here leaves none half made.
  await inTransaction(client, async () => {
    if (!archiveExists) {
      // Columns and NOT NULLs of rides; no identity (archived ids are kept as they were), its own key.
      await client.query(
        "CREATE TABLE IF NOT EXISTS public.rides_archive (LIKE public.rides INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (id))",
      );
      await client.query(
        "CREATE INDEX IF NOT EXISTS rides_archive_created_at_idx ON public.rides_archive (created_at)",
      );
    }
    await createDependentArchives(client, refs);
  });
  // A unique key on id (ours has one) turns a copy made by hand during the run into an error.
  const {
    rows: [{ keyed }],
  } = await client.query<{ keyed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
       WHERE i.indrelid = 'public.rides_archive'::regclass AND i.indisunique AND i.indnatts = 1 AND a.attname = 'id') AS keyed`,
  );
  let mode: Mode = keyed && copies === 0 ? "straight" : "checked";
  // The pages between the oldest and the newest old ride (two probes of the created_at index),
  // not min/max(ctid) of every old ride, which visits the heap once per ride: a sixth of the
  // run. Rides are inserted in created_at order, so the old ones lie there; any elsewhere (an
  // update moved it) is taken by the stragglers' pass below. The total, for progress only, is
  // estimated from those pages (an exact count scanned half the index before any row moved).
  const ends = (order: string) =>
    `(SELECT (r.ctid::text::point)[0]::int FROM public.rides r WHERE ${old} ORDER BY r.created_at ${order} LIMIT 1)`;
  const {
    rows: [found],
  } = await client.query<{ a: number | null; b: number | null; perPage: number }>(
    `SELECT ${ends("ASC")} AS a, ${ends("DESC")} AS b, ${rowsPerPageSql("public.rides")} AS "perPage"`,
  );
  let total = found.a === null || found.b === null ? 0 : Math.round((Math.abs(found.b - found.a) + 1) * found.perPage);
  timer.mark("setup");

  const done = { moved: 0, inserted: 0, batches: 0, redone: 0, longest: 0, dependents: {} as Record<string, number> };
  let lastMs = 0;
  const started = performance.now();
  const move = async (selection: string): Promise<number> => {
    let outcome: { value: Batch; ms: number };
    if (referenced) {
      outcome = await moveReferenced(client, refs, selection, mode === "checked");
    } else {
      try {
        outcome = mode === "straight" ? await moveStraight(client, selection) : await moveChecked(client, selection);
      } catch (error) {
        const code = (error as { code?: string }).code;
        // 40001: an app update met a straight batch; redone checked, which follows the update.
        // 23505: a copy made by hand meanwhile met a batch; from now on every batch checks.
        if (code !== "23505" && (code !== "40001" || mode !== "straight")) throw error;
        if (code === "23505") mode = "checked";
        else done.redone += 1;
        outcome = await moveChecked(client, selection);
      }
    }
    done.longest = Math.max(done.longest, outcome.ms);
    lastMs = outcome.ms;
    done.moved += outcome.value.moved;
    done.inserted += outcome.value.inserted;
    for (const [t, n] of Object.entries(outcome.value.dependents ?? {}))
      done.dependents[t] = (done.dependents[t] ?? 0) + n;
    done.redone += outcome.value.redone ?? 0;
    if (outcome.value.checked) mode = "checked";
    if (outcome.value.moved) {
      done.batches += 1;
      total = Math.max(total, done.moved);
      options.onProgress?.(progressOf(done.moved, total, started));
    }
    return outcome.value.moved;
  };
  if (found.a !== null && found.b !== null) {
    const [first, last] = [Math.min(found.a, found.b), Math.max(found.a, found.b)];
    const ranges = pageRanges("r", first, last, found.perPage, options.batchSize, PACING);
    for (let range = ranges.next(); !range.done; range = ranges.next(lastMs))
      await move(`${range.value} AND ${movable}`);
  }
  timer.mark("pages");
  // Old rides the pages missed (an app update moved one behind the pass, or past its last page)
  // are taken by the created_at index; the empty read that ends this loop is the proof that no
  // old ride is left in rides but those still referenced.
  for (let idle = 0; ;) {
    const { rows } = await client.query<{ t: string }>(
      `SELECT r.ctid::text AS t FROM public.rides r WHERE ${movable} LIMIT ${Number(options.batchSize)}`,
    );
    if (!rows.length) break;
    const tids = rows.map((r) => r.t).filter((t) => /^\(\d+,\d+\)$/.test(t));
    // Rows found but not moved were updated in between: read again, a few times at most.
    if (
      (await move(`r.ctid = ANY ('{${tids.map((t) => `"${t}"`).join(",")}}'::tid[]) AND ${movable}`)) === 0 &&
      ++idle >= 5
    ) {
      throw new Error(`old rides keep changing while being archived; ${done.moved} moved so far, re-run later`);
    }
  }
  timer.mark("stragglers");

  // The counts must add up: the archive grew by what the batches inserted, plus the copies made
  // by hand during the run that the batches then found there.
  const {
    rows: [{ after }],
  } = await client.query<{ after: string }>("SELECT count(*) AS after FROM public.rides_archive");
  const alreadyArchived = done.moved - done.inserted;
  const grew = Number(after) - before;
  if (grew !== done.inserted + alreadyArchived - copies) {
    throw new Error(
      `counts do not add up: archive grew by ${grew} for ${done.inserted} inserted and ${alreadyArchived - copies} copied by hand during the run`,
    );
  }
  const kept = referenced ? await keptBy(client, refs, old) : undefined;
  timer.mark("verify");
  const withDeps = Object.entries(done.dependents)
    .map(([t, n]) => `, ${n} rows of ${t}`)
    .join("");
  return {
    task: TASK,
    dryRun,
    counts: {
      moved: done.moved,
      alreadyArchived,
      batches: done.batches,
      archiveRows: Number(after),
      ...(kept ? { kept: kept.total } : {}),
    },
    longestTransactionMs: Math.round(done.longest),
    durationMs: performance.now() - began,
    details: {
      phasesMs: timer.phases,
      mode,
      redoneAfterAppUpdates: done.redone,
      ...(referenced ? { keptBy: kept?.by, dependentsMoved: done.dependents } : {}),
    },
    summary: `moved ${done.moved} rides created before ${at.toISOString()} to rides_archive${withDeps}${alreadyArchived ? ` (${alreadyArchived} were already archived identically)` : ""}; archive holds ${after}${kept ? keptSummary(kept) : ""}`,
  };
}

/**
 * Moves the rides `selection` picks (a deterministic predicate on `r`) in one REPEATABLE READ
 * transaction sent in one round trip: the copy and the delete see one snapshot, so the rows
 * deleted are exactly the rows copied; an app update in between fails the batch (40001).
 */
async function moveStraight(client: Client, selection: string): Promise<{ value: Batch; ms: number }> {
  const {
    results: [inserted, deleted],
    ms,
  } = await batchInOneTrip(
    client,
    [
      `INSERT INTO public.rides_archive SELECT * FROM public.rides r WHERE ${selection}`,
      `DELETE FROM public.rides r WHERE ${selection}`,
    ],
    "REPEATABLE READ",
  );
  const value = { moved: deleted.rowCount ?? 0, inserted: inserted.rowCount ?? 0 };
  // One snapshot for both statements makes these equal; anything else is a bug to stop on.
  if (value.moved !== value.inserted)
    throw new Error(
      `batch ${selection}: deleted ${value.moved} rides but archived ${value.inserted}; compare the tables before re-running`,
    );
  return { value, ms };
}

/**
 * Moves them in one statement: the rows the DELETE returns (after an app update, its latest
 * version) are the rows inserted, less those already archived identically; a copy that differs
 * rolls the batch back. A copy made by hand meanwhile fails it on the key (23505): retried.
 */
async function moveChecked(client: Client, selection: string, tries = 5): Promise<{ value: Batch; ms: number }> {
  try {
    return await inTransaction(client, async () => readChecked(await client.query(checkedMoveSql(selection))));
  } catch (error) {
    if ((error as { code?: string }).code !== "23505" || tries <= 1) throw error;
    return moveChecked(client, selection, tries - 1);
  }
}
