// `ops checklist run <daily|weekly|monthly>`: the scheduled check-list, run by hand against the
// configured app and database. Incidents print to the terminal instead of paging.
import Table from "cli-table3";
import { Argument, Command } from "commander";
import { CHECKLIST_NAMES, CHECKLISTS, ChecklistName } from "../../lambdas/checklist/catalog";
import { INPUTS, mergeNeeds, type InputName } from "../../lambdas/core/needs";
import { runChecklist } from "../../lambdas/checklist/engine";
import { TerminalIncidentSink } from "../../lambdas/checklist/incidents";
import type { RunRecord } from "../../lambdas/core/check";
import { noMetrics } from "../../lambdas/core/metrics";
import { createS3Client } from "../../lambdas/lib/s3";
import { taskInputs, withInputs } from "./inputs";

const ALL_INPUTS = Object.keys(INPUTS) as InputName[];

export function checklistCommand(): Command {
  const checklist = new Command("checklist").description("the guide's daily, weekly and monthly check-lists");
  const run = withInputs(
    new Command("run")
      .description("run a check-list now; exits 1 when a check fails")
      .addArgument(new Argument("<list>", "which check-list").choices(CHECKLIST_NAMES)),
    ALL_INPUTS,
  ).action(async (list: ChecklistName, options: Record<string, unknown>) => {
    const record = await runList(list, options);
    process.stdout.write(options.json ? `${JSON.stringify(record, null, 2)}\n` : renderRecord(record));
    process.exitCode = record.status === "fail" ? 1 : 0;
  });
  checklist.addCommand(run);
  checklist.addCommand(
    new Command("list").description("the checks of each list, with the guide line each implements").option("--json", "print as JSON").action((options: { json?: boolean }) => {
      const rows = CHECKLIST_NAMES.flatMap((list) => CHECKLISTS[list].map((c) => ({ list, id: c.id, title: c.title, guide: c.guide, needs: c.needs })));
      if (options.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      const table = new Table({ head: ["list", "check", "guide"] });
      rows.forEach((r) => table.push([r.list, r.id, r.guide]));
      process.stdout.write(`${table.toString()}\n`);
    }),
  );
  return checklist;
}

/** The list's inputs (its checks' needs are required; the logs bucket for the run record is optional), then the run. */
export async function runList(list: ChecklistName, options: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Promise<RunRecord> {
  const inputs = taskInputs(requiredInputs(list), `${list}-checklist`, options, env);
  // --json keeps stdout for the record; incidents go to stderr either way.
  return runChecklist(list, { inputs, incidents: new TerminalIncidentSink(), metrics: noMetrics, s3: inputs.logsBucket ? createS3Client(env) : undefined });
}

/** The inputs a list's checks declare: required by `checklist run <list>`. */
export function requiredInputs(list: ChecklistName): readonly InputName[] {
  return mergeNeeds(CHECKLISTS[list].map((c) => c.needs)).inputs ?? [];
}

const MARK = { ok: "ok", warn: "WARN", fail: "FAIL" } as const;

export function renderRecord(record: RunRecord): string {
  const table = new Table({ head: ["check", "status", "level", "time", "summary"], colWidths: [22, 8, 7, 9, 80], wordWrap: true });
  for (const r of record.results) table.push([r.id, MARK[r.status], r.level ? `L${r.level}` : "", `${r.durationMs} ms`, r.summary]);
  const where = record.recordKey ? `\nrecord: ${record.recordKey}` : "";
  return `check-list ${record.list}: ${MARK[record.status]}\n${table.toString()}${where}\n`;
}
