// What the database-check tests share: a check context on a database URL with thresholds, a run
// that turns a thrown check into a test failure, and a poll for a condition the server reaches.
import type { Client } from "pg";
import { runCheck } from "../../lambdas/checklist/engine";
import type { Check, CheckResult } from "../../lambdas/core/check";
import { DEFAULT_DATABASE_THRESHOLDS, type DatabaseThresholds } from "../../lambdas/core/database-thresholds";
import { DEFAULT_INPUTS, type TaskInputs } from "../../lambdas/core/inputs";
import { noMetrics } from "../../lambdas/core/metrics";

export const checkContext = (
  url: string,
  database: Partial<DatabaseThresholds> = {},
  now = new Date(),
  over: Partial<TaskInputs> = {},
) => ({
  inputs: {
    ...DEFAULT_INPUTS,
    checkLevels: {},
    taskName: "t",
    databaseUrl: async () => url,
    database: { ...DEFAULT_DATABASE_THRESHOLDS, ...database },
    ...over,
  },
  now,
  metrics: noMetrics,
});

/** Runs a check and fails with its summary when it threw (runCheck turns errors into a fail). */
export async function runChecked(check: Check, ctx: ReturnType<typeof checkContext>): Promise<CheckResult> {
  const result = await runCheck(check, ctx);
  if (result.status === "fail" && !result.details) throw new Error(`${check.id} failed: ${result.summary}`);
  return result;
}

/** The details of a result, for assertions. */

export const detailsOf = (r: CheckResult) => r.details as any;

/** Waits (polling, no timing asserted) until `sql` returns a row with `ok` true. */
export async function until(client: Client, sql: string, params: unknown[] = [], attempts = 400): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if ((await client.query(sql, params)).rows[0]?.ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never true: ${sql}`);
}
