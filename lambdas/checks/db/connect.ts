// One short read-only session per database check: connect, query, always close; the abort
// of a timed-out check closes the connection, which cancels its query.
import { Client } from "pg";
import type { CheckContext } from "../../checklist/types";
import { pgConfig } from "../../lib/pg";

export async function withDatabase<T>(ctx: CheckContext, work: (client: Client) => Promise<T>): Promise<T> {
  if (!ctx.inputs.databaseUrl) throw new Error("no database URL (--database-url / DATABASE_URL)");
  const client = new Client(pgConfig(await ctx.inputs.databaseUrl(), { statement_timeout: 20_000, application_name: "elegance-ops:checks" }));
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

/** User schemas: everything but PostgreSQL's own and Supabase's internals we don't maintain. */
export const USER_SCHEMAS_SQL = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`;
