// Monthly "VACUUM ANALYZE", one table at a time (VACUUM never runs inside a transaction), with
// SKIP_LOCKED and a lock timeout so the app's locks always win: a table we can't lock now is
// skipped and reported, as is one the role may not vacuum (on Supabase, auth's tables belong
// to supabase_auth_admin: PostgreSQL then only prints "WARNING: skipping …", which is read here).
import type { Client } from "pg";
import { runTask } from "../core/session";
import type { TaskOptions, TaskResult } from "../core/task";

export interface VacuumOptions extends Pick<TaskOptions, "dryRun" | "onProgress"> {
  /** Schemas whose tables are vacuumed. @default ["public", "auth"] */
  schemas?: string[];
}

const TASK = "vacuum-analyze";
const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export async function vacuumAnalyze(databaseUrl: string, options: VacuumOptions = {}): Promise<TaskResult> {
  // A big table's VACUUM can take long; only the wait for its lock is kept short.
  const limits = { statementTimeoutMs: 30 * 60_000, lockTimeoutMs: 5_000 };
  return runTask(TASK, databaseUrl, { ...options, limits }, (client, began) => run(client, options, began));
}

async function run(client: Client, options: VacuumOptions, began: number): Promise<TaskResult> {
  const schemas = options.schemas ?? ["public", "auth"];
  const { rows: tables } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'm') AND n.nspname = ANY($1) ORDER BY 1, 2`,
    [schemas],
  );
  if (options.dryRun) {
    return {
      task: TASK,
      dryRun: true,
      counts: { tables: tables.length },
      longestTransactionMs: 0,
      durationMs: performance.now() - began,
      summary: `would VACUUM (ANALYZE, SKIP_LOCKED) ${tables.length} tables of ${schemas.join(", ")}, one at a time`,
      details: tables.map((t) => `${t.schema}.${t.name}`),
    };
  }
  const done: string[] = [];
  const skipped: { table: string; reason: string }[] = [];
  let longest = 0;
  const started = performance.now();
  for (const [i, t] of tables.entries()) {
    const table = `${t.schema}.${t.name}`;
    const warnings: string[] = [];
    const onNotice = (notice: { severity?: string; message?: string }) => {
      if (notice.severity === "WARNING" || /skipping/i.test(notice.message ?? "")) warnings.push(notice.message ?? "");
    };
    client.on("notice", onNotice);
    const t0 = performance.now();
    try {
      await client.query(`VACUUM (ANALYZE, SKIP_LOCKED) ${quote(t.schema)}.${quote(t.name)}`);
      if (warnings.length) skipped.push({ table, reason: warnings.join("; ") });
      else done.push(table);
    } catch (error) {
      skipped.push({ table, reason: (error as Error).message });
    } finally {
      client.off("notice", onNotice);
      longest = Math.max(longest, performance.now() - t0);
    }
    options.onProgress?.({
      done: i + 1,
      total: tables.length,
      rate: (i + 1) / ((performance.now() - started) / 1000 || 1),
      etaSeconds: 0,
    });
  }
  return {
    task: TASK,
    dryRun: false,
    counts: { vacuumed: done.length, skipped: skipped.length },
    longestTransactionMs: Math.round(longest),
    durationMs: performance.now() - began,
    summary: `VACUUM (ANALYZE) done on ${done.length} tables${skipped.length ? `; ${skipped.length} skipped (not ours or locked): ${skipped.map((s) => s.table).join(", ")}` : ""}`,
    details: { vacuumed: done, skipped },
  };
}
