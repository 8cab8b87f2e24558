// `ops report weekly [--week 2026-W48] [--out <dir>]`: the weekly maintenance report rebuilt
// from what is stored (run records, the metrics export, the alarms' history), as JSON and HTML.
// Only the command's shape is here; the work (./report-run) loads when it runs.
import { Command } from "commander";
import { withInputs } from "./inputs";

const work = (): typeof import("./report-run") => require("./report-run");

export function reportCommand(): Command {
  const report = new Command("report").description("the guide's weekly maintenance report");
  report.addCommand(
    withInputs(
      new Command("weekly")
        .description("build a week's report from the logs bucket (reports/weekly/YYYY-Www.json and .html)")
        .option("--week <week>", "ISO week, e.g. 2026-W48 (default: last week)")
        .option(
          "--out <dir>",
          "write the JSON and HTML into this directory (default: print the JSON with --json, else a summary)",
        )
        .option("--upload", "also write them to the logs bucket, as the scheduled task does")
        .option("--no-alarm-history", "skip CloudWatch's alarm history (incidents from the run records only)")
        .option("--app <name>", "the app's name, prefix of its alarms (default: the stack file's app.name)"),
      ["logsBucket"],
    ).action((options: Record<string, unknown>) => work().weeklyCommand(options)),
  );
  return report;
}
