#!/usr/bin/env node
// The operator CLI: the guide's `maintenance.sh backup|clean|monitor`, and more. Each command
// runs the same task code as the Lambdas (lambdas/), with inputs from flags or environment.
//   npm run ops -- --help
//   npm run ops -- checklist run daily --json
import { Command, CommanderError } from "commander";

// The AWS SDK's 8-line "will require node >=22" notice on every S3 command: the README and
// package.json already require Node 22+, and the notice is not about what the operator asked.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { checklistCommand } from "./ops/checklist";
import { dbCommand } from "./ops/db";
import { backupCommand, restoreCommand } from "./ops/backup";
import { MissingInputError, UsageError } from "./ops/inputs";
import { maintenanceCommand } from "./ops/maintenance";
import { reportCommand } from "./ops/report";
import { rollbackCommand } from "./ops/rollback";
import { securityCommand } from "./ops/security";
import { depsCommand } from "./ops/deps";
import { accessCommand } from "./ops/access";

export function opsProgram(): Command {
  const program = new Command("ops").description(
    "Élégance Mobilité operations: run the maintenance guide's check-lists and tasks by hand",
  );
  program.addCommand(checklistCommand());
  program.addCommand(dbCommand());
  program.addCommand(backupCommand());
  program.addCommand(restoreCommand());
  program.addCommand(maintenanceCommand());
  program.addCommand(rollbackCommand());
  program.addCommand(securityCommand());
  program.addCommand(depsCommand());
  program.addCommand(accessCommand());
  program.addCommand(reportCommand());
  // addCommand() does not pass settings down: every command throws instead of exiting.
  const configure = (command: Command): void => {
    command.exitOverride().showHelpAfterError("(add --help for usage)");
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/** What an interrupted command leaves behind, said on Ctrl-C (exit 130 as the shell expects). */
function interruptNote(argv: string[]): string | undefined {
  const [command, sub] = argv;
  if (command === "backup" && (sub === undefined || sub === "run" || sub.startsWith("-"))) {
    return "backup interrupted: nothing partial is listed; the unfinished upload is removed by the next backup run";
  }
  return undefined;
}

/** Exit codes: 0 done (warnings included), 1 a check or task failed, 2 bad usage or missing input, 130 interrupted. */
export async function main(argv: string[]): Promise<number> {
  const note = interruptNote(argv);
  if (note) {
    process.once("SIGINT", () => {
      process.stderr.write(`\nops: ${note}\n`);
      process.exit(130);
    });
  }
  try {
    process.exitCode = undefined;
    await opsProgram().parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    // S3ConfigError (lambdas/lib/s3.ts) is named, not imported: the AWS SDK loads only when a command needs it.
    if (
      error instanceof MissingInputError ||
      error instanceof UsageError ||
      (error instanceof Error && error.name === "S3ConfigError")
    ) {
      process.stderr.write(`ops: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`ops: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`ops: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
