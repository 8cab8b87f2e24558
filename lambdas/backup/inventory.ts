// What a database holds, read in one snapshot: the backup exports that snapshot to pg_dump
// (so the manifest's counts are exactly the dump's), and the drill reads the same inventory
// from the restored copy to compare.
import type { Client } from "pg";
import type { Inventory } from "./manifest";

// Schemas PostgreSQL itself manages; pg_dump never dumps their contents.
const SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Exact row count of one table, in the client's snapshot. */
export async function countRows(client: Client, table: { schema: string; name: string }): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)}`,
  );
  return Number(rows[0].n);
}

/** What the database holds; `countRows: false` leaves every count at 0 (the caller counts, e.g. in parallel). */
export async function readInventory(client: Client, options: { countRows?: boolean } = {}): Promise<Inventory> {
  const tables = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND ${SYSTEM_SCHEMAS}
        -- tables of extensions are the extension's (recreated by CREATE EXTENSION, not dumped)
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
  );
  const counted = [];
  for (const t of tables.rows)
    counted.push({ ...t, rows: options.countRows === false ? 0 : await countRows(client, t) });
  const schemas = await client.query<{ name: string }>(
    `SELECT n.nspname AS name FROM pg_namespace n WHERE ${SYSTEM_SCHEMAS} ORDER BY 1`,
  );
  const extensions = await client.query<{ name: string; version: string }>(
    "SELECT extname AS name, extversion AS version FROM pg_extension ORDER BY 1",
  );
  const rls = await client.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relrowsecurity AND ${SYSTEM_SCHEMAS} ORDER BY 1`,
  );
  const policies = await client.query<{ name: string }>(
    "SELECT schemaname || '.' || tablename || ': ' || policyname AS name FROM pg_policies ORDER BY 1",
  );
  return {
    tables: counted,
    schemas: schemas.rows.map((r) => r.name),
    extensions: extensions.rows,
    rlsTables: rls.rows.map((r) => r.name),
    policies: policies.rows.map((r) => r.name),
  };
}

/** An open REPEATABLE READ transaction whose snapshot pg_dump can share (`--snapshot`). */
export async function exportSnapshot(client: Client): Promise<string> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const { rows } = await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
  return rows[0].id;
}
