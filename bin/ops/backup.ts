// `ops backup [run|list|drill]` and `ops restore`: the guide's "maintenance.sh backup" and its
// "Procédures de restauration", over the same code as the backup Lambda. Only the commands'
// shape is here; ./backup-run (the AWS SDK, pg_dump, pg_restore) loads when one runs.
import { Command, InvalidArgumentError, Option } from "commander";
import { positiveInt, UsageError, withInputs } from "./inputs";

const work = (): typeof import("./backup-run") => require("./backup-run");
// Loaded only when a command is mistyped.
const closest = (): typeof import("../../lambdas/lib/closest") => require("../../lambdas/lib/closest");

/** S3 refuses parts under 5 MiB (but the last) and over 5 GiB. */
function partSizeMb(text: string): number {
  const n = positiveInt("--part-size-mb")(text);
  if (n < 5) throw new InvalidArgumentError(`--part-size-mb must be at least 5 (S3's smallest part), got ${n}`);
  if (n > 5120)
    throw new InvalidArgumentError(`--part-size-mb must be at most 5120 (S3's largest part, 5 GiB), got ${n}`);
  return n;
}

/** `auth,storage` → ["auth", "storage"]; "" → none. */
function schemaList(text: string): string[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(n));
  if (bad)
    throw new InvalidArgumentError(
      `--managed-schemas: "${bad}" is not a schema name (comma-separated, e.g. auth,storage)`,
    );
  return names;
}

function runCommand(): Command {
  return withInputs(
    new Command("run").description("pg_dump now, streamed to the backups bucket, with its manifest (the daily task)"),
    ["databaseUrl", "backupsBucket"],
  )
    .addOption(
      new Option(
        "--part-size-mb <n>",
        "multipart part size (memory holds about 3 parts; default: the least that fits S3's part count)",
      ).argParser(partSizeMb),
    )
    .action((options: Record<string, unknown>) => work().backupRun(options));
}

function listCommand(): Command {
  return withInputs(new Command("list").description("complete backups (with a manifest), newest first"), [
    "backupsBucket",
  ]).action((options: Record<string, unknown>) => work().backupList(options));
}

function drillCommand(): Command {
  // Either a scratch server's URL or its binaries; --logs-bucket also records the result where the weekly check reads it.
  return withInputs(
    new Command("drill").description(
      "restore a backup into a scratch PostgreSQL and compare it with its manifest (the weekly drill)",
    ),
    ["backupsBucket", "scratchUrl", "pgBindir", "logsBucket"],
  )
    .option("--backup <key>", "the backup's key, or latest", "latest")
    .addOption(
      new Option("--heap-all-indexed <which>", "B-tree indexes amcheck also checks against every heap row")
        .choices(["unique", "all"])
        .default("unique"),
    )
    .action((options: Record<string, unknown>) => work().backupDrill(options));
}

export function backupCommand(): Command {
  const backup = new Command("backup").description(
    "database backups: run one now (`backup` alone is `backup run`), list them, prove one restores",
  );
  backup.addCommand(runCommand(), { isDefault: true });
  // The default subcommand would take a mistyped one (`backup lsit`) as its argument: name it instead.
  backup.hook("preSubcommand", (self, sub) => {
    const word = self.args[0];
    if (sub.name() !== "run" || word === undefined || word.startsWith("-") || word === "run") return;
    const names = self.commands.map((c) => c.name());
    const close = closest().closestNames(word, names, 2);
    throw new UsageError(
      `backup: unknown command '${word}'${close.length ? ` (did you mean ${close.join(" or ")}?)` : ""}; the commands are ${names.join(", ")}`,
    );
  });
  backup.addCommand(listCommand());
  backup.addCommand(drillCommand());
  return backup;
}

export function restoreCommand(): Command {
  return withInputs(
    new Command("restore").description(
      "stream a backup from S3 into pg_restore, sha-256 verified before anything is committed",
    ),
    ["backupsBucket", "databaseUrl"],
  )
    .requiredOption("--target <postgres-url>", "the database to restore into (it must exist)")
    .option("--backup <key>", "the backup's key (see `ops backup list`), or latest", "latest")
    .addOption(
      new Option("--table <schema.table...>", "restore only these tables (the guide's restauration sélective)"),
    )
    .addOption(new Option("--schema-only", "only the definitions").conflicts("dataOnly"))
    .option("--data-only", "only the rows")
    .option("--clean", "drop the objects before recreating them (asks for confirmation on a terminal)")
    .option(
      "--no-owner",
      "objects owned by the connecting role, grants kept (chosen anyway when it cannot act as their owners)",
    )
    .addOption(
      new Option(
        "--managed-schemas <list>",
        "comma-separated schemas whose definitions are not restored where they exist (default: Supabase's: auth, storage, extensions, …)",
      ).argParser(schemaList),
    )
    .option("--yes", "confirm --clean without a terminal")
    .option("--i-know-this-is-production", "allow the production database (--database-url) as the target")
    .action((options: Record<string, unknown>) => work().restore(options));
}
