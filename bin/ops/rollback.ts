// `ops rollback [--to <deployment-id|git-sha|git-ref>] [--dry-run]`: the guide's level-2
// "rollback rapide" and "restauration du code", through Vercel's API instead of the dashboard.
// Only the command's shape is here; ./rollback-run loads when it runs.
import { Command, Option } from "commander";
import { positiveInt, withInputs } from "./inputs";

const work = (): typeof import("./rollback-run") => require("./rollback-run");

export function rollbackCommand(): Command {
  const command = withInputs(
    new Command("rollback")
      .description(
        "promote the previous READY production deployment (or --to one) on Vercel, wait until it serves, check /api/health",
      )
      .option(
        "--to <deployment>",
        "a deployment id (dpl_…), a git sha (7+ hex digits) or the git ref (branch/tag) a deployment was built from",
      )
      .option("--dry-run", "say which deployment would be promoted, and do nothing"),
    ["vercelToken", "vercelTeam", "vercelProject", "appUrl", "vercelApiUrl"],
  )
    .addOption(
      new Option("--limit <n>", "recent production deployments considered")
        .argParser(positiveInt("--limit"))
        .default(20),
    )
    .addOption(
      new Option("--timeout <seconds>", "how long to wait for production to serve the promoted deployment")
        .argParser(positiveInt("--timeout"))
        .default(180),
    )
    // Tests poll a loopback fake; the real API is polled every 2 s.
    .addOption(
      new Option("--poll-interval-ms <ms>").argParser(positiveInt("--poll-interval-ms")).default(2000).hideHelp(),
    );

  return command.action((options: Record<string, unknown>) => work().rollbackRun(options));
}
