// The work of `ops db …`, loaded only when one runs (it brings pg and the checks).
import { Client } from "pg";
import { runChecklist } from "../../lambdas/checklist/engine";
import { TerminalIncidentSink } from "../../lambdas/checklist/incidents";
import { DATABASE_CHECKS } from "../../lambdas/checks/db";
import { databaseReachable } from "../../lambdas/checks/database-reachable";
import type { TaskInputs } from "../../lambdas/core/inputs";
import { noMetrics } from "../../lambdas/core/metrics";
import { pgConfig } from "../../lambdas/core/pg";
import { poolerProblem } from "../../lambdas/core/session";
import type { Progress, TaskResult } from "../../lambdas/core/task";
import { maskUrl } from "../../lambdas/core/url";
import { archiveRides } from "../../lambdas/tasks/archive-rides";
import { cleanSessions } from "../../lambdas/tasks/clean-sessions";
import { purgeTemporaryData } from "../../lambdas/tasks/purge-temporary";
import { reindex } from "../../lambdas/tasks/reindex";
import { vacuumAnalyze } from "../../lambdas/tasks/vacuum-analyze";
import { printRecord } from "./checklist-run";
import { taskInputs, UsageError } from "./inputs";
import { print } from "./output";
import { writeProgressLine } from "./progress";

type Options = Record<string, any>;
type Task = (url: string, o: Options, inputs: TaskInputs, onProgress: (p: Progress) => void) => Promise<TaskResult>;

// As the monthly Lambda runs them (lambdas/tasks/index.ts), each flag over the stack file's database.tasks.
export const TASKS = {
  "archive-rides": (url, o, { tasks }, onProgress) =>
    archiveRides(url, {
      dryRun: o.dryRun,
      olderThanMonths: o.olderThanMonths ?? tasks.ridesOlderThanMonths,
      batchSize: o.batchSize ?? tasks.batchSize,
      withDependents: tasks.archive?.withDependents,
      onProgress,
    }),
  "clean-sessions": (url, o, { tasks }, onProgress) =>
    cleanSessions(url, {
      dryRun: o.dryRun,
      expiredDays: o.expiredDays ?? tasks.sessionsExpiredDays,
      inactiveDays: o.inactiveDays ?? tasks.sessionsInactiveDays,
      batchSize: o.batchSize ?? tasks.batchSize,
      onProgress,
    }),
  vacuum: (url, o, _inputs, onProgress) => vacuumAnalyze(url, { dryRun: o.dryRun, schemas: o.schema, onProgress }),
  reindex: (url, o, { database }, onProgress) => reindex(url, { dryRun: o.dryRun, thresholds: database, onProgress }),
  "purge-temporary": (url, o, { tasks }, onProgress) =>
    purgeTemporaryData(url, tasks.temporaryData, { dryRun: o.dryRun, batchSize: tasks.batchSize, onProgress }),
} satisfies Record<string, Task>;

/** What each task's progress counts. */
const UNIT: Record<keyof typeof TASKS, string> = {
  "archive-rides": "rides",
  "clean-sessions": "sessions",
  vacuum: "tables",
  reindex: "indexes",
  "purge-temporary": "rows",
};

/** One progress line, redrawn in place on a terminal. */
function progressPrinter(task: keyof typeof TASKS): (p: Progress) => void {
  return (p) => {
    const pct = p.total ? Math.min(100, (100 * p.done) / p.total).toFixed(0) : "100";
    const rate = p.rate >= 10 ? Math.round(p.rate).toString() : p.rate.toFixed(1);
    writeProgressLine(
      `${task}: ${p.done}/${p.total} (${pct}%) ${rate} ${UNIT[task]}/s, ETA ${Math.ceil(p.etaSeconds)} s`,
    );
  };
}

/** The database URL, refused (exit 2) when it is Supabase's transaction pooler. */
async function directUrl(inputs: TaskInputs): Promise<string> {
  const url = await inputs.databaseUrl!();
  const problem = poolerProblem(url);
  if (problem) throw new UsageError(`--database-url: ${problem}`);
  return url;
}

/** `vacuum --schema nope` names the schema instead of vacuuming nothing. */
async function requireSchemas(url: string, schemas: string[]): Promise<void> {
  const client = new Client(pgConfig(url, { application_name: "elegance-ops:cli", statement_timeout: 10_000 }));
  try {
    await client.connect().catch((error: Error) => {
      throw new Error(`cannot connect to ${maskUrl(url)}: ${error.message}`);
    });
    const { rows } = await client.query<{ name: string }>(
      "SELECT s AS name FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)",
      [schemas],
    );
    if (rows.length)
      throw new UsageError(
        `--schema: no schema ${rows.map((r) => JSON.stringify(r.name)).join(", ")} in this database`,
      );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function runTask(name: keyof typeof TASKS, options: Options): Promise<void> {
  // The stack file (--stack-file / STACK_FILE, else Pulumi.prod.yaml) under the environment and the flags.
  const inputs = taskInputs(["databaseUrl"], name, options);
  const url = await directUrl(inputs);
  if (name === "vacuum") await requireSchemas(url, options.schema);
  const result = await TASKS[name](url, options, inputs, progressPrinter(name));
  print(options, result, `${result.task}${result.dryRun ? " (dry run)" : ""}: ${result.summary}`);
}

export async function checkCommand(options: Options): Promise<void> {
  const inputs = taskInputs(["databaseUrl"], "db-check", options);
  // Refused as the tasks refuse it: the pooler keeps no session settings (read-only, time limits).
  await directUrl(inputs);
  const checks = [databaseReachable, ...DATABASE_CHECKS];
  printRecord(
    await runChecklist("db", { inputs, incidents: new TerminalIncidentSink(), metrics: noMetrics, checks }),
    options,
  );
}
