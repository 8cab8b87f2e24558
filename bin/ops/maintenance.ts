// `ops maintenance on|off|status`: the guide's level-3 "mode maintenance", through Vercel's API
// instead of the dashboard. Every change is recorded under security/ in the logs bucket.
// Only the commands' shape is here; ./maintenance-run loads when one runs.
import { Command } from "commander";
import { CliInput, withInputs } from "./inputs";

const work = (): typeof import("./maintenance-run") => require("./maintenance-run");

// --project as the README lists it for every Vercel command (rollback needs it; the others accept it).
export const VERCEL_INPUTS: CliInput[] = ["vercelToken", "vercelTeam", "vercelProject", "vercelApiUrl"];

function flipCommand(action: "on" | "off"): Command {
  const command = new Command(action).description(
    action === "on"
      ? "serve the maintenance page (503) everywhere but /api/health; needs --reason"
      : "serve the app again",
  );
  withInputs(command, [...VERCEL_INPUTS, "edgeConfigId", "logsBucket"])
    .option("--reason <text>", `why (required for on), kept in the record under security/`)
    .option("--by <who>", "who does it (default: git config user.email, else the OS user)");
  return command.action((options: Record<string, unknown>) => {
    const reason = typeof options.reason === "string" ? options.reason.trim() : "";
    // Refused before anything loads, reads or changes.
    if (action === "on" && !reason)
      command.error('maintenance on needs --reason "…" (it is kept in the security record)', { exitCode: 2 });
    return work().flip(action, reason, options);
  });
}

export function maintenanceCommand(): Command {
  const maintenance = new Command("maintenance").description(
    "the app's maintenance mode (Vercel Edge Config item `maintenance`), level-3 runbook",
  );
  maintenance.addCommand(flipCommand("on"));
  maintenance.addCommand(flipCommand("off"));
  maintenance.addCommand(
    withInputs(new Command("status").description("print the flag's current value"), [
      ...VERCEL_INPUTS,
      "edgeConfigId",
    ]).action((options: Record<string, unknown>) => work().status(options)),
  );
  return maintenance;
}
