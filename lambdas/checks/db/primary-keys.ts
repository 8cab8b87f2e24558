// Tables without a primary key: no reliable row identity for logical replication (Supabase's
// realtime and read replicas: UPDATE/DELETE fail on a published table without replica
// identity), archiving or deduplication. Partitions inherit their parent's key, extensions'
// own tables are theirs.
import type { Check } from "../../core/check";
import { NOT_EXTENSION_MEMBER_SQL, USER_SCHEMAS_SQL, withDatabase } from "./connect";

export const primaryKeysCheck: Check = {
  id: "primary-keys",
  title: "Tables sans clé primaire",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const { rows } = await client.query<{ table: string; rows: number; bytes: string; unique: string[] | null }>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS table, greatest(c.reltuples, 0)::float8 AS rows,
                pg_total_relation_size(c.oid)::text AS bytes,
                (SELECT array_agg(ic.relname::text ORDER BY ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                  WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL) AS unique
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS_SQL} AND ${NOT_EXTENSION_MEMBER_SQL}
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
         ORDER BY 1`,
      );
      const {
        rows: [{ n: tables }],
      } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS_SQL} AND ${NOT_EXTENSION_MEMBER_SQL}`,
      );
      const details = rows.map((r) => ({
        table: r.table,
        estimatedRows: r.rows,
        totalBytes: Number(r.bytes),
        // A unique index on NOT NULL columns can become the key: ALTER TABLE … ADD PRIMARY KEY USING INDEX.
        ...(r.unique?.length ? { uniqueIndexes: r.unique } : {}),
      }));
      const metrics = { tablesWithoutPrimaryKey: rows.length };
      if (!rows.length) return { status: "ok", summary: `all ${tables} tables have a primary key`, details, metrics };
      return {
        status: "warn",
        summary: `${rows.length} table(s) without a primary key: ${rows.map((r) => r.table).join(", ")}`,
        details,
        metrics,
      };
    }),
};
