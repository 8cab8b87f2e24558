// `ops backup [run|list|drill]` and `ops restore`: the guide's "maintenance.sh backup" and its
// "Procédures de restauration", over the same code as the backup Lambda. Only the commands'
// shape is here; ./backup-run (the AWS SDK, pg_dump, pg_restore) loads when one runs.
import { Command, InvalidArgumentError, Option } from "commander";
import { positiveInt, withInputs } from "./inputs";

const work = (): typeof import("./backup-run") => require("./backup-run");

/** S3 refuses parts under 5 MiB (but the last). */
function partSizeMb(text: string): number {
  const n = positiveInt("--part-size-mb")(text);
  if (n < 5) throw new InvalidArgumentError(`--part-size-mb must be at least 5 (S3's smallest part), got ${n}`);
  return n;
}

function runCommand(): Command {
  return withInputs(new Command("run").description("pg_dump now, streamed to the backups bucket, with its manifest (the daily task)"), ["databaseUrl", "backupsBucket"])
    .addOption(new Option("--part-size-mb <n>", "multipart part size (memory holds about 3 parts; default: the least that fits S3's part count)").argParser(partSizeMb))
    .action((options: Record<string, unknown>) => work().backupRun(options));
}

function listCommand(): Command {
  return withInputs(new Command("list").description("complete backups (with a manifest), newest first"), ["backupsBucket"]).action((options: Record<string, unknown>) =>
    work().backupList(options),
  );
}

function drillCommand(): Command {
  // Either a scratch server's URL or its binaries; --logs-bucket also records the result where the weekly check reads it.
  return withInputs(new Command("drill").description("restore a backup into a scratch PostgreSQL and compare it with its manifest (the weekly drill)"), [
    "backupsBucket",
    "scratchUrl",
    "pgBindir",
    "logsBucket",
  ])
    .option("--backup <key>", "the backup's key, or latest", "latest")
    .addOption(new Option("--heap-all-indexed <which>", "B-tree indexes amcheck also checks against every heap row").choices(["unique", "all"]).default("unique"))
    .action((options: Record<string, unknown>) => work().backupDrill(options));
}

export function backupCommand(): Command {
  const backup = new Command("backup").description("database backups: run one now, list them, prove one restores");
  backup.addCommand(runCommand(), { isDefault: true });
  backup.addCommand(listCommand());
  backup.addCommand(drillCommand());
  return backup;
}

export function restoreCommand(): Command {
  return withInputs(
    new Command("restore").description("stream a backup from S3 into pg_restore, sha-256 verified before anything is committed"),
    ["backupsBucket", "databaseUrl"],
  )
    .requiredOption("--target <postgres-url>", "the database to restore into (it must exist)")
    .option("--backup <key>", "the backup's key (see `ops backup list`), or latest", "latest")
    .addOption(new Option("--table <schema.table...>", "restore only these tables (the guide's restauration sélective)"))
    .addOption(new Option("--schema-only", "only the definitions").conflicts("dataOnly"))
    .option("--data-only", "only the rows")
    .option("--clean", "drop the objects before recreating them (asks for confirmation on a terminal)")
    .option("--no-owner", "skip ownership and grants (restoring as another role)")
    .option("--yes", "confirm --clean without a terminal")
    .option("--i-know-this-is-production", "allow the production database (--database-url) as the target")
    .action((options: Record<string, unknown>) => work().restore(options));
}
