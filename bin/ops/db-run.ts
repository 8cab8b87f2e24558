// The work of `ops db …`, loaded only when one runs (it brings pg and the checks).
import { runChecklist } from "../../lambdas/checklist/engine";
import { TerminalIncidentSink } from "../../lambdas/checklist/incidents";
import { DATABASE_CHECKS } from "../../lambdas/checks/db";
import { databaseReachable } from "../../lambdas/checks/database-reachable";
import { noMetrics } from "../../lambdas/core/metrics";
import type { Progress, TaskResult } from "../../lambdas/core/task";
import { archiveRides } from "../../lambdas/tasks/archive-rides";
import { cleanSessions } from "../../lambdas/tasks/clean-sessions";
import { purgeTemporaryData } from "../../lambdas/tasks/purge-temporary";
import { reindex } from "../../lambdas/tasks/reindex";
import { vacuumAnalyze } from "../../lambdas/tasks/vacuum-analyze";
import { printRecord } from "./checklist-run";
import { poolerProblem } from "../../lambdas/core/session";
import { requireInputs, taskInputs, UsageError } from "./inputs";
import { print } from "./output";
import { writeProgressLine } from "./progress";

type Options = Record<string, any>;
type Task = (url: string, o: Options, onProgress: (p: Progress) => void) => Promise<TaskResult>;

export const TASKS = {
  "archive-rides": (url, o, onProgress) => archiveRides(url, { dryRun: o.dryRun, olderThanMonths: o.olderThanMonths, batchSize: o.batchSize, onProgress }),
  "clean-sessions": (url, o, onProgress) =>
    cleanSessions(url, { dryRun: o.dryRun, expiredDays: o.expiredDays, inactiveDays: o.inactiveDays, batchSize: o.batchSize, onProgress }),
  vacuum: (url, o, onProgress) => vacuumAnalyze(url, { dryRun: o.dryRun, schemas: o.schema, onProgress }),
  reindex: (url, o, onProgress) => reindex(url, { dryRun: o.dryRun, onProgress }),
  "purge-temporary": (url, o, onProgress) => purgeTemporaryData(url, taskInputs([], "purge-temporary", o).tasks.temporaryData, { dryRun: o.dryRun, onProgress }),
} satisfies Record<string, Task>;

/** One progress line, redrawn in place on a terminal. */
function progressPrinter(task: string): (p: Progress) => void {
  return (p) => {
    const pct = p.total ? Math.min(100, (100 * p.done) / p.total).toFixed(0) : "100";
    writeProgressLine(`${task}: ${p.done}/${p.total} (${pct}%) ${Math.round(p.rate)} rows/s, ETA ${Math.ceil(p.etaSeconds)} s`);
  };
}

export async function runTask(name: keyof typeof TASKS, options: Options): Promise<void> {
  const { databaseUrl } = requireInputs(["databaseUrl"], options);
  const result = await TASKS[name](databaseUrl, options, progressPrinter(name));
  print(options, result, `${result.task}${result.dryRun ? " (dry run)" : ""}: ${result.summary}`);
}

export async function checkCommand(options: Options): Promise<void> {
  const inputs = taskInputs(["databaseUrl"], "db-check", options);
  // Refused as the tasks refuse it: the pooler keeps no session settings (read-only, time limits).
  const problem = poolerProblem(await inputs.databaseUrl!());
  if (problem) throw new UsageError(`--database-url: ${problem}`);
  const checks = [databaseReachable, ...DATABASE_CHECKS];
  printRecord(await runChecklist("db", { inputs, incidents: new TerminalIncidentSink(), metrics: noMetrics, checks }), options);
}
