// `ops checklist run <daily|weekly|monthly>`: the scheduled check-list, run by hand against the
// configured app and database. Incidents print to the terminal instead of paging.
// Only the command's shape is here; the work (./checklist-run) loads when a command runs.
import { Argument, Command } from "commander";
import { CHECKLIST_NAMES, CHECKLISTS, ChecklistName } from "../../lambdas/checklist/catalog";
import { mergeNeeds } from "../../lambdas/core/needs";
import { withInputs } from "./inputs";

const work = (): typeof import("./checklist-run") => require("./checklist-run");

/** Every input some check needs: the flags of `checklist run`. */
const CHECK_INPUTS = mergeNeeds(CHECKLIST_NAMES.flatMap((list) => CHECKLISTS[list].map((c) => c.needs))).inputs ?? [];

export function checklistCommand(): Command {
  const checklist = new Command("checklist").description("the guide's daily, weekly and monthly check-lists");
  const run = withInputs(
    new Command("run")
      .description("run a check-list now; exits 1 when a check fails")
      .addArgument(new Argument("<list>", "which check-list").choices(CHECKLIST_NAMES)),
    CHECK_INPUTS,
  ).action((list: ChecklistName, options: Record<string, unknown>) => work().runCommand(list, options));
  checklist.addCommand(run);
  checklist.addCommand(
    new Command("list")
      .description("the checks of each list, with the guide line each implements")
      .option("--json", "print as JSON")
      .action((options: Record<string, unknown>) => work().listCommand(options)),
  );
  return checklist;
}
