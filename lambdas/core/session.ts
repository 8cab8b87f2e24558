// How every maintenance task talks to the database: a direct (or session-mode) connection,
// never Supabase's transaction pooler; its own application_name; statement and lock time
// limits on every statement (Supabase roles carry short global statement timeouts that long
// maintenance work must raise); and a session advisory lock so two runs never overlap. The
// lock dies with the connection, so a killed run never leaves it behind.
import { Client, type QueryResult } from "pg";
import { maskUrl } from "./url";
import { pgConfig } from "./pg";
import type { TaskResult } from "./task";

export interface SessionLimits {
  /** Per statement; a batch is one statement. @default 60 s */
  statementTimeoutMs?: number;
  /** Waiting for a lock the app holds; give up quickly rather than queue the app behind us. @default 5 s */
  lockTimeoutMs?: number;
}

export class PoolerUrlError extends Error {}

/** Supabase's transaction pooler listens on 6543; its sessions keep no settings nor locks. */
export function poolerProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "the database URL is not a valid postgresql:// URL";
  }
  if (parsed.port === "6543") {
    return `${maskUrl(url)} is Supabase's transaction pooler (port 6543), which keeps no session settings, locks or VACUUM; use the direct connection (db.<ref>.supabase.co:5432) or the session-mode pooler (port 5432)`;
  }
  return undefined;
}

export async function openSession(url: string, task: string, limits: SessionLimits = {}): Promise<Client> {
  const problem = poolerProblem(url);
  if (problem) throw new PoolerUrlError(problem);
  const client = new Client(
    pgConfig(url, {
      application_name: `elegance-ops:${task}`,
      statement_timeout: limits.statementTimeoutMs ?? 60_000,
      lock_timeout: limits.lockTimeoutMs ?? 5_000,
    }),
  );
  // A broken connection mid-task surfaces on the next query; don't crash the process on it. Set
  // before connecting: a session killed just as it is ready errs in the same read as the ready
  // message, before an `await client.connect()` continuation could add the listener.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to ${maskUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  return client;
}

/** Runs `fn` holding the task's advisory lock; undefined (and no work) when another run holds it. */
export async function withTaskLock<T>(client: Client, task: string, fn: () => Promise<T>): Promise<T | undefined> {
  const key = `elegance-ops:${task}`;
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [
    key,
  ]);
  if (!rows[0].locked) return undefined;
  try {
    return await fn();
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]).catch(() => undefined);
  }
}

/** One batch in its own short transaction; returns the statement's rows and the transaction's length. */
export async function inTransaction<T>(
  client: Client,
  work: () => Promise<T>,
  isolation: "READ COMMITTED" | "REPEATABLE READ" = "READ COMMITTED",
): Promise<{ value: T; ms: number }> {
  const began = performance.now();
  await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
  try {
    const value = await work();
    await client.query("COMMIT");
    return { value, ms: performance.now() - began };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * One batch in one round trip: BEGIN, the statements and COMMIT sent as one simple-protocol
 * query (so the caller inlines its values as literals), each statement still under
 * statement_timeout. Commits without waiting for the WAL flush (synchronous_commit off for this
 * transaction only): a crash can lose the last batches whole, never half of one, and a lost
 * batch is simply redone by the next run. Returns the statements' results, in order.
 */
export async function batchInOneTrip(
  client: Client,
  statements: string[],
  isolation: "READ COMMITTED" | "REPEATABLE READ" = "READ COMMITTED",
): Promise<{ results: QueryResult[]; ms: number }> {
  const began = performance.now();
  const sql = [
    `BEGIN ISOLATION LEVEL ${isolation}`,
    "SET LOCAL synchronous_commit = off",
    ...statements,
    "COMMIT",
  ].join(";\n");
  try {
    const all = (await client.query(sql)) as unknown as QueryResult[];
    return { results: all.slice(2, 2 + statements.length), ms: performance.now() - began };
  } catch (error) {
    // A failed statement leaves the transaction open and aborted; end it before anything else.
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * A task's whole life: its own session, its lock, the work, the connection closed whatever
 * happens. A second run while one holds the lock does nothing and says so: a maintenance task's
 * `TaskResult` marked skipped, or what `skipped` returns for tasks with their own result (backup).
 */
export function runTask(
  task: string,
  databaseUrl: string,
  options: { dryRun?: boolean; limits?: SessionLimits },
  work: (client: Client, began: number) => Promise<TaskResult>,
): Promise<TaskResult>;
export function runTask<T>(
  task: string,
  databaseUrl: string,
  options: { limits?: SessionLimits; skipped: (began: number) => T },
  work: (client: Client, began: number) => Promise<T>,
): Promise<T>;
export async function runTask<T>(
  task: string,
  databaseUrl: string,
  options: { dryRun?: boolean; limits?: SessionLimits; skipped?: (began: number) => T },
  work: (client: Client, began: number) => Promise<T>,
): Promise<T | TaskResult> {
  const began = performance.now();
  const client = await openSession(databaseUrl, task, options.limits);
  try {
    const result = await withTaskLock(client, task, () => work(client, began));
    if (result !== undefined) return result;
    if (options.skipped) return options.skipped(began);
    return {
      task,
      dryRun: !!options.dryRun,
      skipped: "already running",
      counts: {},
      longestTransactionMs: 0,
      durationMs: performance.now() - began,
      summary: "skipped: already running",
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
