// One short read-only session per database check: connect, query, always close; the abort
// of a timed-out check closes the connection, which cancels its query. The session is
// read-only (default_transaction_read_only): the checks only ever read catalogs and statistics.
import { Client } from "pg";
import type { CheckContext, CheckStatus } from "../../core/check";
import { pgConfig } from "../../core/pg";

export async function withDatabase<T>(ctx: CheckContext, work: (client: Client) => Promise<T>): Promise<T> {
  if (!ctx.inputs.databaseUrl) throw new Error("no database URL (--database-url / DATABASE_URL)");
  const client = new Client(
    pgConfig(await ctx.inputs.databaseUrl(), {
      statement_timeout: 20_000,
      application_name: "elegance-ops",
      options: "-c default_transaction_read_only=on -c lock_timeout=5000",
    }),
  );
  const abort = () => void client.end().catch(() => undefined);
  ctx.signal.addEventListener("abort", abort, { once: true });
  try {
    await client.connect();
    return await work(client);
  } finally {
    ctx.signal.removeEventListener("abort", abort);
    await client.end().catch(() => undefined);
  }
}

/** User schemas: everything but PostgreSQL's own (Supabase's auth included: it is ours to watch). */
export const USER_SCHEMAS_SQL = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`;

/** `c` (a pg_class row) is not an extension's own object (those are the extension's business). */
export const NOT_EXTENSION_MEMBER_SQL = `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')`;

export const grade = (value: number, warn: number, fail: number): CheckStatus => (value >= fail ? "fail" : value >= warn ? "warn" : "ok");

/** Whether this role sees every session's state and query (superuser, pg_read_all_stats or pg_monitor). */
export async function readsAllStats(client: Client): Promise<boolean> {
  const { rows } = await client.query<{ all: boolean }>(
    `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS all`,
  );
  return rows[0].all;
}

export const days = (ms: number) => Number((ms / 86_400_000).toFixed(1));
