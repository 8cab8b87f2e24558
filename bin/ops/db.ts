// `ops db …`: the database's checks and the guide's monthly tasks, by hand. Every task has
// --dry-run, takes its lock (a second run says "skipped: already running" and exits 0) and
// shows its progress on stderr.
import { Command, Option } from "commander";
import { runChecklist } from "../../lambdas/checklist/engine";
import { TerminalIncidentSink } from "../../lambdas/checklist/incidents";
import { DATABASE_CHECKS } from "../../lambdas/checks/db";
import { databaseReachable } from "../../lambdas/checks/database-reachable";
import { noMetrics } from "../../lambdas/core/metrics";
import { archiveRides } from "../../lambdas/tasks/archive-rides";
import { cleanSessions } from "../../lambdas/tasks/clean-sessions";
import type { Progress, TaskResult } from "../../lambdas/core/task";
import { purgeTemporaryData } from "../../lambdas/tasks/purge-temporary";
import { reindex } from "../../lambdas/tasks/reindex";
import { vacuumAnalyze } from "../../lambdas/tasks/vacuum-analyze";
import { renderRecord } from "./checklist";
import { positiveInt, requireInputs, taskInputs, withInputs } from "./inputs";
import { endProgress, writeProgressLine } from "./progress";

/** One progress line, redrawn in place on a terminal. */
function progressPrinter(task: string): (p: Progress) => void {
  return (p) => {
    const pct = p.total ? Math.min(100, (100 * p.done) / p.total).toFixed(0) : "100";
    const line = `${task}: ${p.done}/${p.total} (${pct}%) ${Math.round(p.rate)} rows/s, ETA ${Math.ceil(p.etaSeconds)} s`;
    writeProgressLine(line);
  };
}

function printResult(result: TaskResult, json: boolean): void {
  endProgress();
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${result.task}${result.dryRun ? " (dry run)" : ""}: ${result.summary}\n`);
}

/** A task command: inputs, --dry-run, progress, result; a failure exits 1 with its message. */
function taskCommand(name: string, description: string, run: (url: string, options: Record<string, any>, onProgress: (p: Progress) => void) => Promise<TaskResult>): Command {
  return withInputs(new Command(name).description(description).option("--dry-run", "say exactly what would be done, and do nothing"), ["databaseUrl"]).action(
    async (options: Record<string, any>) => {
      const { databaseUrl } = requireInputs(["databaseUrl"], options);
      const result = await run(databaseUrl!, options, progressPrinter(name));
      printResult(result, !!options.json);
    },
  );
}

export function dbCommand(): Command {
  const db = new Command("db").description("the database: checks and the guide's monthly maintenance tasks");
  db.addCommand(
    withInputs(new Command("check").description("every database check now; exits 1 when one fails"), ["databaseUrl", "logsBucket"]).action(async (options: Record<string, unknown>) => {
      const inputs = taskInputs(["databaseUrl"], "db-check", options);
      const record = await runChecklist("db", { inputs, incidents: new TerminalIncidentSink(), metrics: noMetrics, checks: [databaseReachable, ...DATABASE_CHECKS] });
      process.stdout.write(options.json ? `${JSON.stringify(record, null, 2)}\n` : renderRecord(record));
      process.exitCode = record.status === "fail" ? 1 : 0;
    }),
  );
  db.addCommand(
    taskCommand("archive-rides", "move rides older than the cutoff to rides_archive, in batches (resumable)", (url, o, onProgress) =>
      archiveRides(url, { dryRun: o.dryRun, olderThanMonths: o.olderThanMonths, batchSize: o.batchSize, onProgress }),
    )
      .addOption(new Option("--older-than-months <n>", "rides created before now minus this many months").argParser(positiveInt("--older-than-months")).default(6))
      .addOption(new Option("--batch-size <n>", "rides per transaction").argParser(positiveInt("--batch-size")).default(5000)),
  );
  db.addCommand(
    taskCommand("clean-sessions", "delete auth.sessions expired for longer than N days, in batches", (url, o, onProgress) =>
      cleanSessions(url, { dryRun: o.dryRun, expiredDays: o.expiredDays, inactiveDays: o.inactiveDays, batchSize: o.batchSize, onProgress }),
    )
      .addOption(new Option("--expired-days <n>", "not_after older than this many days").argParser(positiveInt("--expired-days")).default(30))
      .addOption(new Option("--inactive-days <n>", "also sessions not refreshed for this many days").argParser(positiveInt("--inactive-days")))
      .addOption(new Option("--batch-size <n>", "sessions per transaction").argParser(positiveInt("--batch-size")).default(2000)),
  );
  db.addCommand(
    taskCommand("vacuum", "VACUUM (ANALYZE) table by table, skipping what is locked or not ours", (url, o, onProgress) =>
      vacuumAnalyze(url, { dryRun: o.dryRun, schemas: o.schema, onProgress }),
    ).addOption(new Option("--schema <name...>", "schemas to vacuum").default(["public", "auth"])),
  );
  db.addCommand(
    taskCommand("reindex", "REINDEX INDEX CONCURRENTLY the invalid and bloated indexes only, one at a time (never REINDEX DATABASE)", (url, o, onProgress) =>
      reindex(url, { dryRun: o.dryRun, onProgress }),
    ),
  );
  db.addCommand(
    taskCommand("purge-temporary", "delete rows older than their max age from the tables of database.tasks.temporaryData", (url, o, onProgress) =>
      purgeTemporaryData(url, taskInputs([], "purge-temporary", o).tasks.temporaryData, { dryRun: o.dryRun, onProgress }),
    ),
  );
  return db;
}
