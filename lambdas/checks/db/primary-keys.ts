// Tables without a primary key: no reliable row identity for logical replication (Supabase's
// realtime and read replicas), archiving or deduplication.
import type { Check } from "../../checklist/types";
import { USER_SCHEMAS_SQL, withDatabase } from "./connect";

export const primaryKeysCheck: Check = {
  id: "primary-keys",
  title: "Tables sans clé primaire",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const { rows } = await client.query<{ table: string; rows: string }>(
        `SELECT n.nspname || '.' || c.relname AS table, c.reltuples::bigint::text AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS_SQL}
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
         ORDER BY 1`,
      );
      if (!rows.length) return { status: "ok", summary: "every table has a primary key" };
      return {
        status: "warn",
        summary: `${rows.length} table(s) without a primary key: ${rows.map((r) => r.table).join(", ")}`,
        details: rows.map((r) => ({ table: r.table, estimatedRows: Math.max(0, Number(r.rows)) })),
        metrics: { tablesWithoutPrimaryKey: rows.length },
      };
    }),
};
