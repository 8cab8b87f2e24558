// Monthly "Réindexation", without REINDEX DATABASE (which locks every table the app uses):
// only indexes found invalid or bloated are rebuilt, with REINDEX INDEX CONCURRENTLY, one at a
// time, in the schemas that are ours. An interrupted REINDEX CONCURRENTLY leaves an invalid
// `<name>_ccnew` index behind; it is dropped first (CONCURRENTLY too).
import type { Client } from "pg";
import { indexesToReindex } from "../checks/db/indexes";
import { DEFAULT_DATABASE_THRESHOLDS, DatabaseThresholds } from "../core/database-thresholds";
import { runTask } from "../core/session";
import type { TaskOptions, TaskResult } from "../core/task";

export interface ReindexOptions extends Pick<TaskOptions, "dryRun" | "onProgress"> {
  thresholds?: Partial<DatabaseThresholds>;
}

const TASK = "reindex";

export async function reindex(databaseUrl: string, options: ReindexOptions = {}): Promise<TaskResult> {
  // A concurrent rebuild of a big index takes long; waiting on the app's locks does not.
  const limits = { statementTimeoutMs: 60 * 60_000, lockTimeoutMs: 5_000 };
  return runTask(TASK, databaseUrl, { ...options, limits }, (client, began) => run(client, options, began));
}

async function leftovers(client: Client, schemas: string[]): Promise<string[]> {
  const { rows } = await client.query<{ index: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS index FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT i.indisvalid AND c.relname ~ '_ccnew[0-9]*$' AND n.nspname = ANY($1) ORDER BY 1`,
    [schemas],
  );
  return rows.map((r) => r.index);
}

async function run(client: Client, options: ReindexOptions, began: number): Promise<TaskResult> {
  const t = { ...DEFAULT_DATABASE_THRESHOLDS, ...options.thresholds };
  const stale = await leftovers(client, t.maintainedSchemas);
  const targets = (await indexesToReindex(client, t, t.maintainedSchemas)).filter((i) => !stale.includes(i.index));
  const plan = [...stale.map((index) => `DROP INDEX CONCURRENTLY ${index};`), ...targets.map((i) => i.statement)];
  if (options.dryRun) {
    return {
      task: TASK,
      dryRun: true,
      counts: { leftoversToDrop: stale.length, toReindex: targets.length },
      longestTransactionMs: 0,
      durationMs: performance.now() - began,
      summary: plan.length
        ? `would run, one at a time: ${plan.join(" ")}`
        : `nothing to rebuild in ${t.maintainedSchemas.join(", ")}`,
      details: { leftovers: stale, targets },
    };
  }
  const done: string[] = [];
  const failed: { statement: string; error: string }[] = [];
  let longest = 0;
  for (const [i, statement] of plan.entries()) {
    const t0 = performance.now();
    try {
      await client.query(statement);
      done.push(statement);
    } catch (error) {
      failed.push({ statement, error: (error as Error).message });
    }
    longest = Math.max(longest, performance.now() - t0);
    options.onProgress?.({ done: i + 1, total: plan.length, rate: 0, etaSeconds: 0 });
  }
  // A rebuild that failed half-way leaves its own _ccnew: drop it now rather than next month.
  for (const index of await leftovers(client, t.maintainedSchemas)) {
    await client.query(`DROP INDEX CONCURRENTLY ${index}`).catch(() => undefined);
  }
  if (failed.length) {
    throw new Error(
      `reindex: ${failed.length} of ${plan.length} statements failed: ${failed.map((f) => `${f.statement} → ${f.error}`).join("; ")}`,
    );
  }
  return {
    task: TASK,
    dryRun: false,
    counts: { droppedLeftovers: stale.length, reindexed: targets.length },
    longestTransactionMs: Math.round(longest),
    durationMs: performance.now() - began,
    summary: plan.length ? `ran ${done.join(" ")}` : `nothing to rebuild in ${t.maintainedSchemas.join(", ")}`,
    details: { done },
  };
}
