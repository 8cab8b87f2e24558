// Weekly "index inutilisés" done right, and what else goes wrong with indexes: unused (never
// scanned since the statistics were reset, constraint-backing ones excluded), duplicate (its
// columns lead another index of the same table), invalid (a failed CREATE INDEX CONCURRENTLY),
// bloated (estimated). Each finding carries the statement a DBA would run; none is run here.
import type { Client } from "pg";
import type { Check } from "../../checklist/types";
import type { DatabaseThresholds } from "./thresholds";
import { USER_SCHEMAS_SQL, withDatabase } from "./connect";

interface IndexRow {
  index: string; // quoted, schema-qualified: usable in statements as is
  name: string;
  schema: string;
  table: string;
  bytes: number;
  scans: number;
  valid: boolean;
  constraint: boolean;
  unique: boolean;
  columns: string; // indkey, e.g. "2 5"
  plain: boolean; // btree, no expression, no predicate
  bloatRatio: number | null;
}

const BLOCK = 8192;
const FILL = 0.9;

// Bloat is estimated the light way: the pages a freshly built btree would need for reltuples
// entries of the columns' average width (pg_stats) against the pages it has.
export async function listIndexes(client: Client): Promise<IndexRow[]> {
  const { rows } = await client.query(
    `SELECT format('%I.%I', n.nspname, ic.relname) AS index, ic.relname AS name, n.nspname AS schema,
            format('%I.%I', n.nspname, t.relname) AS table, pg_relation_size(ic.oid)::bigint AS bytes,
            coalesce(s.idx_scan, 0)::bigint AS scans, i.indisvalid AS valid, i.indisunique AS unique,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) AS constraint,
            i.indkey::text AS columns,
            (am.amname = 'btree' AND i.indexprs IS NULL AND i.indpred IS NULL) AS plain,
            ic.relpages, ic.reltuples,
            (SELECT sum(st.avg_width) FROM pg_attribute a JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = t.relname AND st.attname = a.attname
              WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) AS width
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = ic.relnamespace JOIN pg_am am ON am.oid = ic.relam
     LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
     WHERE ${USER_SCHEMAS_SQL} ORDER BY 1`,
  );
  return rows.map((r) => {
    const entry = 12 + Math.ceil(Number(r.width ?? 0) / 8) * 8;
    const expected = Math.ceil((Number(r.reltuples) * entry) / (BLOCK * FILL - 24)) + 1;
    const bloatRatio = r.plain && r.width !== null && Number(r.relpages) > 10 && Number(r.reltuples) > 0 ? Math.max(0, 1 - expected / Number(r.relpages)) : null;
    return { ...r, bytes: Number(r.bytes), scans: Number(r.scans), bloatRatio } as IndexRow;
  });
}

const drop = (r: IndexRow) => `DROP INDEX CONCURRENTLY ${r.index};`;
const reindex = (r: IndexRow) => `REINDEX INDEX CONCURRENTLY ${r.index};`;

export function findIndexProblems(indexes: IndexRow[], t: DatabaseThresholds) {
  const unused = indexes
    .filter((r) => r.valid && r.scans === 0 && !r.unique && !r.constraint && r.bytes >= t.indexMinBytes)
    .map((r) => ({ index: r.index, table: r.table, bytes: r.bytes, statement: drop(r) }));
  const duplicate = indexes.flatMap((a) => {
    if (!a.plain || a.unique || a.constraint || !a.valid) return [];
    const cover = indexes.find((b) => b !== a && b.table === a.table && b.plain && b.valid && (b.columns === a.columns ? b.index < a.index || b.unique : b.columns.startsWith(`${a.columns} `)));
    return cover ? [{ index: a.index, table: a.table, bytes: a.bytes, coveredBy: cover.index, statement: drop(a) }] : [];
  });
  const invalid = indexes.filter((r) => !r.valid).map((r) => ({ index: r.index, table: r.table, bytes: r.bytes, statement: reindex(r), orDrop: drop(r) }));
  const bloated = indexes
    .filter((r) => r.valid && r.bloatRatio !== null && r.bloatRatio > t.indexBloatRatio && r.bytes >= t.indexMinBytes)
    .map((r) => ({ index: r.index, table: r.table, bytes: r.bytes, estimatedBloatRatio: Number(r.bloatRatio!.toFixed(2)), statement: reindex(r) }));
  return { unused, duplicate, invalid, bloated };
}

/** What the monthly reindex task rebuilds: invalid and bloated indexes of the given schemas. */
export async function indexesToReindex(client: Client, t: DatabaseThresholds, schemas: string[]) {
  const indexes = (await listIndexes(client)).filter((r) => schemas.includes(r.schema));
  const { invalid, bloated } = findIndexProblems(indexes, t);
  return [...invalid.map((i) => ({ ...i, reason: "invalid" as const })), ...bloated.map((i) => ({ ...i, reason: "bloated" as const }))];
}

export const indexesCheck: Check = {
  id: "indexes",
  title: "Index inutilisés, en double, invalides ou gonflés",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      const { rows: [{ reset }] } = await client.query<{ reset: Date | null }>("SELECT stats_reset AS reset FROM pg_stat_database WHERE datname = current_database()");
      const found = findIndexProblems((await listIndexes(client)).filter((r) => t.maintainedSchemas.includes(r.schema)), t);
      // Scans counted over a few days prove little: a fresh reset makes "unused" informational.
      const statsDays = reset ? (ctx.now.getTime() - reset.getTime()) / 86_400_000 : Infinity;
      const unusedCounts = statsDays >= 7;
      const details = { ...found, statsResetAt: reset?.toISOString() ?? null, ...(unusedCounts ? {} : { note: `statistics reset ${statsDays.toFixed(1)} days ago: unused indexes are not judged yet` }) };
      const metrics = { unusedIndexes: found.unused.length, duplicateIndexes: found.duplicate.length, invalidIndexes: found.invalid.length, bloatedIndexes: found.bloated.length };
      const parts = [
        unusedCounts && found.unused.length && `${found.unused.length} unused`,
        found.duplicate.length && `${found.duplicate.length} duplicate`,
        found.invalid.length && `${found.invalid.length} invalid`,
        found.bloated.length && `${found.bloated.length} bloated`,
      ].filter(Boolean);
      if (!parts.length) return { status: "ok" as const, summary: `no unused, duplicate, invalid or bloated index in ${t.maintainedSchemas.join(", ")}`, details, metrics };
      const names = [...(unusedCounts ? found.unused : []), ...found.duplicate, ...found.invalid, ...found.bloated].map((f) => f.index);
      return { status: "warn" as const, summary: `${parts.join(", ")} index(es): ${[...new Set(names)].join(", ")} (statements in the details; nothing is dropped automatically)`, details, metrics };
    }),
};
