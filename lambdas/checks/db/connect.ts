// The database checks' session: read-only (default_transaction_read_only: the checks only ever
// read catalogs and statistics), with statement and lock time limits. A run of a check-list
// shares one (SharedDatabase, opened on first use, given to checks as ctx.database): one
// connect timeout, not one per check, when the server does not answer, and one cause to
// report when it cannot be reached. The abort of a timed-out check closes the session, which
// cancels its query; the next check opens a new one.
import { Client } from "pg";
import type { CheckContext, CheckDatabase, CheckStatus } from "../../core/check";
import { pgConfig } from "../../core/pg";
import { maskUrl } from "../../core/url";

/** Why the database cannot be reached, for the page and the runbook. */
export type UnreachableReason = "auth" | "DNS" | "refused" | "timeout" | "TLS" | "secret" | "other";

export class DatabaseUnreachableError extends Error {
  constructor(
    readonly reason: UnreachableReason,
    message: string,
  ) {
    super(message);
    this.name = "DatabaseUnreachableError";
  }
}

/** The reason of a failed connect, from pg's error code or Node's socket error. */
export function unreachableReason(error: unknown): UnreachableReason {
  const e = error as { code?: string; message?: string };
  const message = e?.message ?? "";
  // 28P01 wrong password, 28000 no pg_hba entry / role not allowed, 3D000 no such database.
  if (e?.code === "28P01" || e?.code === "28000" || e?.code === "3D000" || /authentication failed/.test(message))
    return "auth";
  if (e?.code === "ENOTFOUND" || e?.code === "EAI_AGAIN") return "DNS";
  if (e?.code === "ECONNREFUSED") return "refused";
  if (e?.code === "ETIMEDOUT" || /timeout|timed out/i.test(message)) return "timeout";
  if (/SSL|TLS|certificate/i.test(message)) return "TLS";
  return "other";
}

/** Connects a checks' session, or throws a DatabaseUnreachableError with the reason and the masked URL. */
export async function connectForChecks(url: string): Promise<Client> {
  const client = new Client(
    pgConfig(url, {
      statement_timeout: 20_000,
      application_name: "elegance-ops",
      options: "-c default_transaction_read_only=on -c lock_timeout=5000",
    }),
  );
  // A connection lost between checks surfaces on the next query, not as a process crash.
  client.on("error", () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const reason = unreachableReason(error);
    // pg's messages name the host and user, never the password; the URL is masked anyway.
    throw new DatabaseUnreachableError(
      reason,
      `database unreachable (${reason}): cannot connect to ${maskUrl(url)}: ${(error as Error).message}`,
    );
  }
}

/** A run's one session, opened on first use; a failed connect is remembered, not retried. */
export class SharedDatabase implements CheckDatabase {
  private pending?: Promise<Client>;
  constructor(private readonly url: () => Promise<string>) {}

  client(): Promise<Client> {
    // The URL itself may fail to arrive (Secrets Manager): the same one cause, said as such.
    const url = () =>
      this.url().catch((error: unknown) => {
        throw new DatabaseUnreachableError(
          "secret",
          `database unreachable (secret): the database URL could not be read: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    return (this.pending ??= url().then(connectForChecks));
  }

  /** The unreachable error when the database cannot be reached, else undefined (and the session is open). */
  async problem(): Promise<DatabaseUnreachableError | undefined> {
    try {
      await this.client();
      return undefined;
    } catch (error) {
      if (error instanceof DatabaseUnreachableError) return error;
      throw error;
    }
  }

  discard(client: Client): void {
    void client.end().catch(() => undefined);
    this.pending = undefined;
  }

  async close(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    const client = await pending?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }
}

/** Runs `work` on the run's shared session, or on a session of its own when the context has none. */
export async function withDatabase<T>(ctx: CheckContext, work: (client: Client) => Promise<T>): Promise<T> {
  if (!ctx.inputs.databaseUrl) throw new Error("no database URL (--database-url / DATABASE_URL)");
  const database = ctx.database ?? new SharedDatabase(ctx.inputs.databaseUrl);
  const client = await database.client();
  const abort = () => database.discard(client);
  ctx.signal.addEventListener("abort", abort, { once: true });
  try {
    return await work(client);
  } finally {
    ctx.signal.removeEventListener("abort", abort);
    if (!ctx.database) await (database as SharedDatabase).close();
  }
}

/** User schemas: everything but PostgreSQL's own (Supabase's auth included: it is ours to watch). */
export const USER_SCHEMAS_SQL = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`;

/** `c` (a pg_class row) is not an extension's own object (those are the extension's business). */
export const NOT_EXTENSION_MEMBER_SQL = `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')`;

export const grade = (value: number, warn: number, fail: number): CheckStatus =>
  value >= fail ? "fail" : value >= warn ? "warn" : "ok";

/** Whether this role sees every session's state and query (superuser, pg_read_all_stats or pg_monitor). */
export async function readsAllStats(client: Client): Promise<boolean> {
  const { rows } = await client.query<{ all: boolean }>(
    `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS all`,
  );
  return rows[0].all;
}

export const days = (ms: number) => Number((ms / 86_400_000).toFixed(1));
