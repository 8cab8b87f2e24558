// The work of `ops checklist …`, loaded only when one runs (it brings the checks, the AWS SDK, pg).
import Table from "cli-table3";
import { CHECKLIST_NAMES, CHECKLISTS, ChecklistName } from "../../lambdas/checklist/catalog";
import { runChecklist } from "../../lambdas/checklist/engine";
import { TerminalIncidentSink } from "../../lambdas/checklist/incidents";
import type { RunRecord } from "../../lambdas/core/check";
import { noMetrics } from "../../lambdas/core/metrics";
import { mergeNeeds, type InputName } from "../../lambdas/core/needs";
import { createS3Client } from "../../lambdas/lib/s3";
import { taskInputs } from "./inputs";
import { print } from "./output";

export async function runCommand(list: ChecklistName, options: Record<string, unknown>): Promise<void> {
  printRecord(await runList(list, options), options);
}

/** The results first, whatever happened to the record; a record not written is its own error, exit 1. */
export function printRecord(record: RunRecord, options: Record<string, unknown>): void {
  print(options, record, () => renderRecord(record));
  if (record.recordError) process.stderr.write(`ops: ${record.recordError}\n`);
  process.exitCode = record.status === "fail" || record.recordError ? 1 : 0;
}

export function listCommand(options: Record<string, unknown>): void {
  const rows = CHECKLIST_NAMES.flatMap((list) =>
    CHECKLISTS[list].map((c) => ({ list, id: c.id, title: c.title, guide: c.guide, needs: c.needs })),
  );
  print(options, rows, () => {
    // The guide column takes what the terminal leaves (widths include padding; 4 borders).
    const guide = Math.max(20, terminalWidth() - 10 - 22 - 4);
    const table = new Table({
      head: ["list", "check", "guide"],
      colWidths: [10, 22, guide],
      wordWrap: true,
      style: plainStyle(),
    });
    rows.forEach((r) => table.push([r.list, r.id, r.guide]));
    return table.toString();
  });
}

/** The terminal's width; piped, COLUMNS or 100. */
export function terminalWidth(): number {
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : Number(process.env.COLUMNS) || 100;
}

/** No colour codes when piped or with NO_COLOR (https://no-color.org). */
export function plainStyle(): { head: string[]; border: string[] } | undefined {
  return process.stdout.isTTY && !process.env.NO_COLOR ? undefined : { head: [], border: [] };
}

/** The inputs a list's checks declare: required by `checklist run <list>`. */
export function requiredInputs(list: ChecklistName): readonly InputName[] {
  return mergeNeeds(CHECKLISTS[list].map((c) => c.needs)).inputs ?? [];
}

/** The list's inputs (its checks' needs are required; the logs bucket for the run record is optional), then the run. */
export async function runList(
  list: ChecklistName,
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunRecord> {
  const inputs = taskInputs(requiredInputs(list), `${list}-checklist`, options, env);
  // --json keeps stdout for the record; incidents go to stderr either way.
  return runChecklist(list, {
    inputs,
    incidents: new TerminalIncidentSink(),
    metrics: noMetrics,
    s3: inputs.logsBucket ? createS3Client(env) : undefined,
  });
}

const MARK = { ok: "ok", warn: "WARN", fail: "FAIL", skipped: "skip" } as const;

export function renderRecord(record: RunRecord): string {
  const table = new Table({
    head: ["check", "status", "level", "time", "summary"],
    colWidths: [22, 8, 7, 9, 80],
    wordWrap: true,
    style: plainStyle(),
  });
  for (const r of record.results)
    table.push([r.id, MARK[r.status], r.level ? `L${r.level}` : "", `${r.durationMs} ms`, r.summary]);
  const where = record.recordKey ? `\nrecord: ${record.recordKey}` : "";
  return `check-list ${record.list}: ${MARK[record.status]}\n${table.toString()}${where}\n`;
}
