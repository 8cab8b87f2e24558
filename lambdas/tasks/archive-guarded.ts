// One batch of the archive when other tables reference rides: the dependents listed to move go
// first (children first), then the rides, in one REPEATABLE READ transaction; before COMMIT the
// transaction's own statistics counters prove what it changed: every row deleted from a moved
// table was inserted into its archive, and not one row of a table that stays was deleted or
// updated (a cascade, SET NULL or SET DEFAULT fired by a reference the selection missed, e.g. a
// payment inserted since the snapshot). Anything else rolls the batch back.
import type { Client, QueryResult } from "pg";
import { archiveOf, References, RIDES, rowsOf } from "./archive-references";

export class GuardError extends Error {}

/** The counters read before and after, for each table the batch may touch. */
function counters(tables: string[]): string {
  return `SELECT ${tables
    .map((t, i) => {
      const oid = `'${t.replace(/'/g, "''")}'::regclass`;
      return `pg_stat_get_xact_tuples_inserted(${oid}) AS i${i}, pg_stat_get_xact_tuples_deleted(${oid}) AS d${i}, pg_stat_get_xact_tuples_updated(${oid}) AS u${i}`;
    })
    .join(", ")}`;
}

export interface GuardedBatch {
  moved: number;
  inserted: number;
  dependents: Record<string, number>;
}

/**
 * Moves the rides `selection` picks (a predicate on `r` that already excludes referenced rides)
 * with their listed dependents. `rideStatements` are the rides' own statements (straight or
 * checked); their first result's rows give `moved`/`inserted` via `read`.
 */
export async function moveGuarded(
  client: Client,
  refs: References,
  selection: string,
  rideStatements: string[],
  read: (results: QueryResult[]) => { moved: number; inserted: number },
): Promise<{ value: GuardedBatch; ms: number }> {
  const stays = [...new Set(refs.blockers.map((b) => b.table))];
  const moves = [RIDES, ...refs.dependents.map((d) => d.table)];
  const tables = [...moves, ...moves.map((t) => (t === RIDES ? "public.rides_archive" : archiveOf(t))), ...stays];
  const dependentStatements = refs.dependents.flatMap((d) => [
    `INSERT INTO ${d.archive} SELECT * FROM ${d.table} d WHERE ${rowsOf(refs, d.table, "d", selection)}`,
    `DELETE FROM ${d.table} d WHERE ${rowsOf(refs, d.table, "d", selection)}`,
  ]);
  const began = performance.now();
  // A batch is a few thousand rides: probing the dependents' key indexes per ride beats the hash
  // joins the planner picks (a full read of each referencing table per statement, twice a batch).
  const indexed = [...refs.blockers, ...refs.dependents.map((d) => d.parent)].every((k) => k.indexed);
  const joins = indexed ? ["SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off"] : [];
  const sql = [
    "BEGIN ISOLATION LEVEL REPEATABLE READ",
    "SET LOCAL synchronous_commit = off",
    ...joins,
    counters(tables),
    ...dependentStatements,
    ...rideStatements,
    counters(tables),
  ];
  try {
    const all = (await client.query(sql.join(";\n"))) as unknown as QueryResult[];
    const at = 2 + joins.length;
    const before = all[at].rows[0];
    const after = all[all.length - 1].rows[0];
    const delta = (kind: "i" | "d" | "u", table: string) =>
      Number(after[`${kind}${tables.indexOf(table)}`]) - Number(before[`${kind}${tables.indexOf(table)}`]);
    const rides = read(all.slice(at + 1 + dependentStatements.length, all.length - 1));
    const problems: string[] = [];
    if (delta("d", RIDES) !== rides.moved || delta("i", "public.rides_archive") !== rides.inserted) {
      problems.push(
        `rides: ${delta("d", RIDES)} deleted, ${delta("i", "public.rides_archive")} archived, for ${rides.moved} moved`,
      );
    }
    const dependents: Record<string, number> = {};
    refs.dependents.forEach((d, i) => {
      const [inserted, deleted] = [all[at + 1 + 2 * i].rowCount ?? 0, all[at + 2 + 2 * i].rowCount ?? 0];
      dependents[d.table] = deleted;
      if (
        inserted !== deleted ||
        delta("d", d.table) !== deleted ||
        delta("i", d.archive) !== inserted ||
        delta("u", d.table) !== 0
      ) {
        problems.push(
          `${d.table}: ${delta("d", d.table)} deleted and ${delta("u", d.table)} updated, ${delta("i", d.archive)} archived, for ${deleted} moved`,
        );
      }
    });
    for (const t of stays) {
      if (delta("d", t) || delta("u", t))
        problems.push(`${t} stays, yet ${delta("d", t)} of its rows would be deleted and ${delta("u", t)} updated`);
    }
    if (problems.length) throw new GuardError(`batch ${selection} rolled back: ${problems.join("; ")}`);
    await client.query("COMMIT");
    return { value: { ...rides, dependents }, ms: performance.now() - began };
  } catch (error) {
    // A failed statement or a failed proof leaves the transaction open: end it first.
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

export const differingCopies = (ids: string[], left: string) =>
  `rides ${ids.join(", ")} are in both tables with different content; ${left}. Decide which copy is right, then re-run`;

/**
 * The rides' move in one statement: the rows the DELETE returns (after an app update, its latest
 * version) are the rows inserted, less those already archived identically.
 */
export const checkedMoveSql = (selection: string) =>
  `WITH moved AS (DELETE FROM public.rides r WHERE ${selection} RETURNING r.*),
        inserted AS (INSERT INTO public.rides_archive SELECT * FROM moved m WHERE NOT EXISTS (SELECT 1 FROM public.rides_archive a WHERE a.id = m.id) RETURNING 1)
   SELECT (SELECT count(*) FROM moved) AS moved, (SELECT count(*) FROM inserted) AS inserted,
          (SELECT (array_agg(m.id::text ORDER BY m.id))[1:10] FROM moved m JOIN public.rides_archive a ON a.id = m.id WHERE m::text IS DISTINCT FROM a::text) AS differing`;

/** Reads a checked move's one row; a copy that differs rolls the batch back. */
export function readChecked(result: QueryResult): { moved: number; inserted: number } {
  const r = result.rows[0] as { moved: string; inserted: string; differing: string[] | null };
  if (r.differing?.length)
    throw new Error(differingCopies(r.differing, "they and the rest of their batch stay in rides"));
  return { moved: Number(r.moved), inserted: Number(r.inserted) };
}

/**
 * A batch with references: straight (copy then delete) while the archive holds no copy made by
 * hand, checked after one met the batch (23505). A batch that met an app change since its
 * snapshot (40001, or a new dependent: 23503 or a failed proof) is redone from a new snapshot.
 */
export async function moveReferenced(client: Client, refs: References, selection: string, checkedFromStart: boolean) {
  let checked = checkedFromStart;
  for (let redone = 0; ;) {
    try {
      const { value, ms } = checked
        ? await moveGuarded(client, refs, selection, [checkedMoveSql(selection)], ([r]) => readChecked(r))
        : await moveGuarded(
            client,
            refs,
            selection,
            [
              `INSERT INTO public.rides_archive SELECT * FROM public.rides r WHERE ${selection}`,
              `DELETE FROM public.rides r WHERE ${selection}`,
            ],
            ([inserted, deleted]) => ({ inserted: inserted.rowCount ?? 0, moved: deleted.rowCount ?? 0 }),
          );
      return { value: { ...value, redone, checked }, ms };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const again = code === "23505" || code === "40001" || code === "23503" || error instanceof GuardError;
      if (!again || redone >= 5) throw error;
      if (code === "23505") checked = true;
      else redone += 1;
    }
  }
}
