// Weekly "SELECT * FROM pg_stat_user_indexes WHERE idx_scan = 0" done right, and what else goes
// wrong with indexes (PgHero's unused/duplicate/invalid indexes, check_postgres' bloat):
// - unused: never scanned since the statistics were reset, constraint-backing (primary key,
//   unique, exclusion) and unique indexes excluded; judged only once the counters are
//   indexStatsMinDays old (a fresh reset or restart would make every index look unused);
// - duplicate: its key columns (same operator classes and collations, same predicate, no
//   expression among them) are a leading prefix of another valid btree index of the table;
// - invalid: pg_index.indisvalid = false, e.g. a failed CREATE INDEX CONCURRENTLY;
// - bloated: estimated, see estimateBloat.
// Each finding carries the statement a DBA would run; nothing is executed here.
import type { Client } from "pg";
import type { Check } from "../../core/check";
import { days, USER_SCHEMAS_SQL, withDatabase } from "./connect";
import type { DatabaseThresholds } from "../../core/database-thresholds";

export interface IndexRow {
  /** Schema-qualified, quoted where needed (format('%I.%I')): usable in statements as is. */
  index: string;
  name: string;
  schema: string;
  table: string;
  definition: string;
  bytes: number;
  scans: number;
  valid: boolean;
  unique: boolean;
  /** Backs a primary key, unique or exclusion constraint. */
  constraint: boolean;
  method: string;
  /** Key columns' attribute numbers (0 = an expression), then their opclasses and collations. */
  keys: number[];
  opclasses: string[];
  collations: string[];
  /** INCLUDE columns count. */
  included: number;
  hasExpressions: boolean;
  predicate: string | null;
  relpages: number;
  reltuples: number;
  blockSize: number;
  fillfactor: number;
  /** Sum of the average widths (pg_stats) of the indexed columns; null without statistics. */
  width: number | null;
  bloatRatio: number | null;
  /** Estimated bytes a rebuild would give back. */
  bloatBytes: number | null;
}

/**
 * Btree bloat, estimated the light way (the idea of ioguix/pgsql-bloat-estimation, simplified):
 * the leaf pages a freshly built index would need — reltuples entries of
 * MAXALIGN(8-byte tuple header + average width of its columns from pg_stats) + a 4-byte line
 * pointer each, on pages of block_size minus the page header (24) and btree special space
 * (16), filled to the index's fillfactor (90 by default), plus the meta page — against the
 * pages it has (relpages, as of the last VACUUM/ANALYZE). Internal pages and null bitmaps are
 * ignored, so the estimate errs on the low side. Only plain btree indexes with statistics on
 * all their columns and more than 10 pages are estimated.
 */
export function estimateBloat(
  r: Pick<IndexRow, "method" | "hasExpressions" | "width" | "relpages" | "reltuples" | "blockSize" | "fillfactor">,
): { ratio: number; bytes: number } | null {
  if (r.method !== "btree" || r.hasExpressions || r.width === null || r.relpages <= 10 || r.reltuples <= 0) return null;
  const tuple = Math.ceil((8 + r.width) / 8) * 8 + 4;
  const usable = (r.blockSize - 24 - 16) * (r.fillfactor / 100);
  const expected = Math.ceil((r.reltuples * tuple) / usable) + 1;
  const ratio = Math.max(0, 1 - expected / r.relpages);
  return { ratio: Number(ratio.toFixed(3)), bytes: Math.max(0, r.relpages - expected) * r.blockSize };
}

export async function listIndexes(client: Client, schemas?: string[]): Promise<IndexRow[]> {
  const { rows } = await client.query(
    `SELECT format('%I.%I', n.nspname, ic.relname) AS index, ic.relname AS name, n.nspname AS schema,
            format('%I.%I', n.nspname, t.relname) AS table, pg_get_indexdef(i.indexrelid) AS definition,
            pg_relation_size(ic.oid)::float8 AS bytes, coalesce(s.idx_scan, 0)::float8 AS scans,
            i.indisvalid AS valid, i.indisunique AS unique, am.amname AS method,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')) AS constraint,
            i.indkey::text AS indkey, i.indclass::text AS indclass, i.indcollation::text AS indcollation,
            i.indnkeyatts AS nkeys, i.indnatts AS natts, i.indexprs IS NOT NULL AS has_expressions,
            pg_get_expr(i.indpred, i.indrelid) AS predicate,
            ic.relpages::float8 AS relpages, ic.reltuples::float8 AS reltuples, current_setting('block_size')::int AS block_size,
            coalesce((SELECT o.option_value::int FROM pg_options_to_table(ic.reloptions) o WHERE o.option_name = 'fillfactor'), 90) AS fillfactor,
            (SELECT CASE WHEN count(st.avg_width) = count(*) THEN sum(st.avg_width) END
               FROM pg_attribute a LEFT JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = t.relname
                                                        AND st.attname = a.attname AND st.inherited = (t.relkind = 'p')
              WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) AND a.attnum > 0)::float8 AS width
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = ic.relnamespace JOIN pg_am am ON am.oid = ic.relam
     LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
     WHERE ${USER_SCHEMAS_SQL} AND ($1::text[] IS NULL OR n.nspname = ANY($1))
     ORDER BY 1`,
    [schemas ?? null],
  );
  return rows.map((r) => {
    const nkeys = Number(r.nkeys);
    const split = (s: string) => s.split(" ").filter(Boolean);
    const row: IndexRow = {
      index: r.index,
      name: r.name,
      schema: r.schema,
      table: r.table,
      definition: r.definition,
      bytes: r.bytes,
      scans: r.scans,
      valid: r.valid,
      unique: r.unique,
      constraint: r.constraint,
      method: r.method,
      keys: split(r.indkey).slice(0, nkeys).map(Number),
      opclasses: split(r.indclass),
      collations: split(r.indcollation).slice(0, nkeys),
      included: Number(r.natts) - nkeys,
      hasExpressions: r.has_expressions,
      predicate: r.predicate,
      relpages: r.relpages,
      reltuples: r.reltuples,
      blockSize: r.block_size,
      fillfactor: r.fillfactor,
      width: r.width,
      bloatRatio: null,
      bloatBytes: null,
    };
    const bloat = estimateBloat(row);
    return { ...row, bloatRatio: bloat?.ratio ?? null, bloatBytes: bloat?.bytes ?? null };
  });
}

const drop = (r: IndexRow) => `DROP INDEX CONCURRENTLY ${r.index};`;
const reindex = (r: IndexRow) => `REINDEX INDEX CONCURRENTLY ${r.index};`;
const createConcurrently = (r: IndexRow) =>
  `${r.definition.replace(/^CREATE (UNIQUE )?INDEX /, "CREATE $1INDEX CONCURRENTLY ")};`;
/** The copy an interrupted REINDEX CONCURRENTLY leaves behind: to drop, not rebuild. */
const isReindexLeftover = (r: IndexRow) => /_cc(new|old)[0-9]*$/.test(r.name);

/** `a` adds nothing over `b`: same table and method, its key columns lead b's, same predicate. */
export function covers(b: IndexRow, a: IndexRow): boolean {
  if (a === b || a.table !== b.table || a.method !== "btree" || b.method !== "btree" || !b.valid) return false;
  if (a.hasExpressions || a.keys.includes(0) || a.included > 0 || a.predicate !== b.predicate) return false;
  if (a.keys.length > b.keys.length) return false;
  for (let k = 0; k < a.keys.length; k++) {
    if (a.keys[k] !== b.keys[k] || a.opclasses[k] !== b.opclasses[k] || a.collations[k] !== b.collations[k])
      return false;
  }
  // A unique index is only redundant with another unique index on exactly the same columns.
  if (a.unique) return b.unique && b.keys.length === a.keys.length;
  return true;
}

export function findIndexProblems(
  indexes: IndexRow[],
  t: Pick<DatabaseThresholds, "indexMinBytes" | "indexBloatRatio">,
) {
  const unused = indexes
    .filter((r) => r.valid && r.scans === 0 && !r.unique && !r.constraint && r.bytes >= t.indexMinBytes)
    .sort((a, b) => b.bytes - a.bytes)
    .map((r) => ({ index: r.index, table: r.table, bytes: r.bytes, scans: r.scans, statement: drop(r) }));
  const duplicate = indexes.flatMap((a) => {
    if (!a.valid || a.constraint) return [];
    // Two identical indexes cover each other: the one with the greater name is reported.
    const cover = indexes.find((b) => covers(b, a) && !(covers(a, b) && (b.constraint ? false : b.index > a.index)));
    return cover
      ? [
          {
            index: a.index,
            table: a.table,
            bytes: a.bytes,
            columns: a.definition.replace(/^.* USING /, ""),
            coveredBy: cover.index,
            coveredByDefinition: cover.definition,
            statement: drop(a),
          },
        ]
      : [];
  });
  const invalid = indexes
    .filter((r) => !r.valid)
    .map((r) =>
      isReindexLeftover(r)
        ? {
            index: r.index,
            table: r.table,
            bytes: r.bytes,
            note: "leftover of an interrupted REINDEX CONCURRENTLY",
            statement: drop(r),
          }
        : {
            index: r.index,
            table: r.table,
            bytes: r.bytes,
            statement: reindex(r),
            orRecreate: [drop(r), createConcurrently(r)],
            ...(r.unique
              ? { note: "a unique index fails to build while the table holds duplicate keys: remove them first" }
              : {}),
          },
    );
  const bloated = indexes
    .filter((r) => r.valid && r.bloatRatio !== null && r.bloatRatio > t.indexBloatRatio && r.bytes >= t.indexMinBytes)
    .sort((a, b) => b.bloatBytes! - a.bloatBytes!)
    .map((r) => ({
      index: r.index,
      table: r.table,
      bytes: r.bytes,
      estimatedBloatRatio: r.bloatRatio!,
      estimatedBloatBytes: r.bloatBytes!,
      statement: reindex(r),
    }));
  return { unused, duplicate, invalid, bloated };
}

export interface ReindexTarget {
  index: string;
  table: string;
  bytes: number;
  reason: "invalid" | "bloated";
  /** `REINDEX INDEX CONCURRENTLY …;` (for a REINDEX leftover `_ccnew`/`_ccold`: `DROP INDEX CONCURRENTLY …;`). */
  statement: string;
  estimatedBloatRatio?: number;
}

/** What the monthly reindex task rebuilds: invalid and bloated indexes of the given schemas. */
export async function indexesToReindex(
  client: Client,
  t: Pick<DatabaseThresholds, "indexMinBytes" | "indexBloatRatio">,
  schemas: string[],
): Promise<ReindexTarget[]> {
  const { invalid, bloated } = findIndexProblems(await listIndexes(client, schemas), t);
  return [
    ...invalid.map((i) => ({
      index: i.index,
      table: i.table,
      bytes: i.bytes,
      reason: "invalid" as const,
      statement: i.statement,
    })),
    ...bloated.map((i) => ({
      index: i.index,
      table: i.table,
      bytes: i.bytes,
      reason: "bloated" as const,
      statement: i.statement,
      estimatedBloatRatio: i.estimatedBloatRatio,
    })),
  ];
}

export const indexesCheck: Check = {
  id: "indexes",
  title: "Index inutilisés, en double, invalides ou gonflés",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      // PostgreSQL 15 leaves stats_reset NULL until a reset; the counters then date from no
      // later than the server's start (a crash or failover resets them), which is assumed:
      // at worst unused indexes are judged later than they could be.
      const {
        rows: [s],
      } = await client.query<{ reset: Date | null; started: Date }>(
        "SELECT stats_reset AS reset, pg_postmaster_start_time() AS started FROM pg_stat_database WHERE datname = current_database()",
      );
      const since = s.reset ?? s.started;
      const statsDays = days(ctx.now.getTime() - since.getTime());
      const judgeUnused = statsDays >= t.indexStatsMinDays;
      const indexes = await listIndexes(client, t.maintainedSchemas);
      const found = findIndexProblems(indexes, t);
      const notEstimated = indexes
        .filter((r) => r.method === "btree" && !r.hasExpressions && r.width === null && r.relpages > 10)
        .map((r) => r.index);
      const details = {
        ...found,
        schemas: t.maintainedSchemas,
        indexesChecked: indexes.length,
        statistics: {
          since: since.toISOString(),
          from: s.reset ? "stats_reset" : "server start (never reset)",
          days: statsDays,
        },
        ...(judgeUnused
          ? {}
          : {
              unusedNote: `scan counters only ${statsDays} days old (< ${t.indexStatsMinDays}): unused indexes listed for information, not judged`,
            }),
        ...(notEstimated.length
          ? {
              bloatNotEstimated: notEstimated,
              bloatNote: "no column statistics (ANALYZE the table, or this role may not read the columns)",
            }
          : {}),
        bloatMethod: "leaf pages a fresh btree would need (reltuples × aligned pg_stats width, fillfactor) vs relpages",
      };
      const metrics = {
        unusedIndexes: found.unused.length,
        unusedIndexBytes: found.unused.reduce((x, u) => x + u.bytes, 0),
        duplicateIndexes: found.duplicate.length,
        invalidIndexes: found.invalid.length,
        bloatedIndexes: found.bloated.length,
      };
      const parts = [
        judgeUnused && found.unused.length && `${found.unused.length} unused`,
        found.duplicate.length && `${found.duplicate.length} duplicate`,
        found.invalid.length && `${found.invalid.length} invalid`,
        found.bloated.length && `${found.bloated.length} bloated`,
      ].filter(Boolean);
      const info =
        !judgeUnused && found.unused.length
          ? ` (${found.unused.length} never scanned in ${statsDays} days of statistics: not judged yet)`
          : "";
      if (!parts.length)
        return {
          status: "ok" as const,
          summary: `no unused, duplicate, invalid or bloated index in ${t.maintainedSchemas.join(", ")}${info}`,
          details,
          metrics,
        };
      const names = [...(judgeUnused ? found.unused : []), ...found.duplicate, ...found.invalid, ...found.bloated].map(
        (f) => f.index,
      );
      return {
        status: "warn" as const,
        summary: `${parts.join(", ")} index(es): ${[...new Set(names)].join(", ")} (statements in the details; nothing is dropped automatically)${info}`,
        details,
        metrics,
      };
    }),
};
