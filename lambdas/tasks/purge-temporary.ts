// Weekly "Nettoyage des données temporaires": each configured (table, timestamp column, max
// age) purged in batches of one short transaction each, like the monthly cleanups.
import type { Client } from "pg";
import { inTransaction, runTask } from "../core/session";
import { progressOf, TaskOptions, TaskResult } from "../core/task";

export interface TemporaryData {
  /** Schema-qualified table, e.g. public.ride_quotes */
  table: string;
  /** Timestamp column that dates a row, e.g. created_at */
  column: string;
  maxAgeDays: number;
}

const TASK = "purge-temporary";
const ident = (name: string) =>
  name
    .split(".")
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join(".");

export async function purgeTemporaryData(
  databaseUrl: string,
  targets: TemporaryData[],
  options: TaskOptions = {},
): Promise<TaskResult> {
  return runTask(TASK, databaseUrl, options, (client, began) => run(client, targets, options, began));
}

async function run(client: Client, targets: TemporaryData[], options: TaskOptions, began: number): Promise<TaskResult> {
  const batchSize = options.batchSize ?? 5_000;
  const counts: Record<string, number> = {};
  let longest = 0;
  for (const target of targets) {
    const where = `${ident(target.column)} < now() - make_interval(days => $1)`;
    const {
      rows: [{ n }],
    } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(target.table)} WHERE ${where}`, [
      target.maxAgeDays,
    ]);
    const total = Number(n);
    if (options.dryRun) {
      counts[target.table] = total;
      continue;
    }
    let done = 0;
    const started = performance.now();
    for (;;) {
      const { value, ms } = await inTransaction(client, () =>
        client.query(
          `DELETE FROM ${ident(target.table)} WHERE ctid IN (SELECT ctid FROM ${ident(target.table)} WHERE ${where} LIMIT ${Number(batchSize)})`,
          [target.maxAgeDays],
        ),
      );
      longest = Math.max(longest, ms);
      if (!value.rowCount) break;
      done += value.rowCount;
      options.onProgress?.(progressOf(done, total, started));
    }
    counts[target.table] = done;
  }
  const words = targets.map((t) => `${counts[t.table]} from ${t.table} (${t.column} older than ${t.maxAgeDays} days)`);
  return {
    task: TASK,
    dryRun: !!options.dryRun,
    counts,
    longestTransactionMs: Math.round(longest),
    durationMs: performance.now() - began,
    summary: targets.length
      ? `${options.dryRun ? "would delete" : "deleted"} ${words.join("; ")}`
      : "no temporary data configured (database.tasks.temporaryData)",
  };
}
