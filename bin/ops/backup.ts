// `ops backup [run|list|drill]` and `ops restore`: the guide's "maintenance.sh backup" and its
// "Procédures de restauration", over the same code as the backup Lambda.
import { createInterface } from "node:readline/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import { runBackup } from "../../lambdas/backup/dump";
import { runDrill } from "../../lambdas/backup/drill";
import { findBackup, listBackups } from "../../lambdas/backup/manifest";
import { isSameDatabase, restoreBackup } from "../../lambdas/backup/restore";
import { startScratchServer } from "../../lambdas/backup/scratch-server";
import { writeDrillRecord } from "../../lambdas/checks/backup-drill";
import { createS3Client } from "../../lambdas/lib/s3";
import { positiveInt, requireInputs, stackConfig, UsageError, withInputs } from "./inputs";
import { endProgress, writeProgressLine } from "./progress";

const MB = 1024 * 1024;

/** A bytes progress line on stderr, redrawn in place on a terminal, at most every 250 ms. */
function bytesProgress(label: string): (bytes: number, total?: number) => void {
  const started = performance.now();
  let last = 0;
  return (bytes, total) => {
    const now = performance.now();
    if (now - last < 250 && bytes !== total) return;
    last = now;
    const rate = bytes / MB / Math.max((now - started) / 1000, 0.001);
    const pct = total ? ` (${Math.min(100, (100 * bytes) / total).toFixed(0)}%)` : "";
    const eta = total && rate > 0 ? `, ETA ${Math.ceil((total - bytes) / MB / rate)} s` : "";
    const line = `${label}: ${(bytes / MB).toFixed(1)}${total ? `/${(total / MB).toFixed(1)}` : ""} MB${pct} ${rate.toFixed(1)} MB/s${eta}`;
    writeProgressLine(line);
  };
}

function out(options: Record<string, unknown>, value: unknown, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/** S3 refuses parts under 5 MiB (but the last). */
function partSizeMb(text: string): number {
  const n = positiveInt("--part-size-mb")(text);
  if (n < 5) throw new InvalidArgumentError(`--part-size-mb must be at least 5 (S3's smallest part), got ${n}`);
  return n;
}

function runCommand(): Command {
  return withInputs(new Command("run").description("pg_dump now, streamed to the backups bucket, with its manifest (the daily task)"), ["databaseUrl", "backupsBucket"])
    .addOption(new Option("--part-size-mb <n>", "multipart part size (memory holds about 3 parts; default: the least that fits S3's part count)").argParser(partSizeMb))
    .action(async (options: Record<string, any>) => {
      const { databaseUrl, backupsBucket } = requireInputs(["databaseUrl", "backupsBucket"], options);
      const stack = stackConfig(options);
      const result = await runBackup({
        databaseUrl: databaseUrl!,
        s3: createS3Client(),
        bucket: backupsBucket!,
        timezone: stack?.timezone,
        keepYearly: stack?.backups.retention.yearlyDays !== undefined,
        partSizeBytes: options.partSizeMb === undefined ? undefined : options.partSizeMb * MB,
        onProgress: bytesProgress("backup"),
      });
      endProgress();
      if (!("manifest" in result)) return out(options, result, `backup: skipped: ${result.skipped}`);
      const m = result.manifest;
      out(options, result, `backup: ${m.key} (${(m.sizeBytes / MB).toFixed(1)} MB, sha-256 ${m.sha256.slice(0, 16)}…, ${m.tables.length} tables, ${m.tier})`);
    });
}

function listCommand(): Command {
  return withInputs(new Command("list").description("complete backups (with a manifest), newest first"), ["backupsBucket"]).action(async (options: Record<string, any>) => {
    const { backupsBucket } = requireInputs(["backupsBucket"], options);
    const backups = await listBackups(createS3Client(), backupsBucket!, 60);
    const lines = backups.map((m) => `${m.finishedAt}  ${(m.sizeBytes / MB).toFixed(1).padStart(9)} MB  ${m.tier.padEnd(7)}  ${m.key}`);
    out(options, backups, lines.length ? lines.join("\n") : "no complete backup");
  });
}

function drillCommand(): Command {
  return withInputs(new Command("drill").description("restore a backup into a scratch PostgreSQL and compare it with its manifest (the weekly drill)"), ["backupsBucket"])
    .option("--backup <key>", "the backup's key, or latest", "latest")
    .option("--scratch-url <url>", "superuser URL of a scratch server (a database is created there, then dropped) [env: SCRATCH_DATABASE_URL]")
    .option("--pg-bindir <dir>", "else: start a scratch server from these server binaries (initdb, postgres) [env: PG_SERVER_BINDIR]")
    .option("--logs-bucket <name>", "also record the result where the weekly check reads it [env: LOGS_BUCKET]")
    .addOption(new Option("--heap-all-indexed <which>", "B-tree indexes amcheck also checks against every heap row").choices(["unique", "all"]).default("unique"))
    .action(async (options: Record<string, any>) => {
      const { backupsBucket } = requireInputs(["backupsBucket"], options);
      const s3 = createS3Client();
      const started = new Date();
      const scratchUrl = options.scratchUrl ?? process.env.SCRATCH_DATABASE_URL;
      const bindir = options.pgBindir ?? process.env.PG_SERVER_BINDIR;
      if (!scratchUrl && !bindir) throw new UsageError("give --scratch-url <superuser URL of a scratch server> or --pg-bindir <PostgreSQL server binaries>");
      const scratch = scratchUrl ? undefined : await startScratchServer({ bindir });
      try {
        const result = await runDrill({ s3, bucket: backupsBucket!, scratchUrl: scratchUrl ?? scratch!.url, backup: options.backup, heapAllIndexed: options.heapAllIndexed });
        const logsBucket = options.logsBucket ?? process.env.LOGS_BUCKET;
        const recordKey = logsBucket ? await writeDrillRecord(s3, logsBucket, result, started, { timezone: stackConfig(options)?.timezone }) : undefined;
        out(options, { ...result, recordKey }, `drill: ${result.status}: ${result.summary}`);
        process.exitCode = result.status === "fail" ? 1 : 0;
      } finally {
        await scratch?.stop();
      }
    });
}

export function backupCommand(): Command {
  const backup = new Command("backup").description("database backups: run one now, list them, prove one restores");
  backup.addCommand(runCommand(), { isDefault: true });
  backup.addCommand(listCommand());
  backup.addCommand(drillCommand());
  return backup;
}

async function confirm(question: string, expected: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
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
    .action(async (options: Record<string, any>) => {
      // --database-url names production here: the database a restore must not overwrite by mistake.
      const { backupsBucket, databaseUrl } = requireInputs(["backupsBucket", "databaseUrl"], options);
      if (isSameDatabase(options.target, databaseUrl!) && !options.iKnowThisIsProduction) {
        throw new UsageError("--target is the production database (same host and database as --database-url); refusing. Restore into another database, or add --i-know-this-is-production");
      }
      const targetName = new URL(options.target).pathname.slice(1);
      if (options.clean) {
        const ok = process.stdin.isTTY ? await confirm(`--clean drops and recreates objects in "${targetName}". Type its name to go on: `, targetName) : !!options.yes;
        if (!ok) throw new UsageError(process.stdin.isTTY ? "not confirmed; nothing done" : "--clean without a terminal needs --yes; nothing done");
      }
      const s3 = createS3Client();
      const manifest = await findBackup(s3, backupsBucket!, options.backup);
      const result = await restoreBackup({
        s3,
        bucket: backupsBucket!,
        manifest,
        targetUrl: options.target,
        tables: options.table,
        section: options.schemaOnly ? "schema-only" : options.dataOnly ? "data-only" : undefined,
        clean: !!options.clean,
        noOwner: options.owner === false,
        onProgress: bytesProgress("restore"),
      });
      endProgress();
      out(options, result, `restore: ${manifest.key} into ${targetName}: ${(result.bytes / MB).toFixed(1)} MB, sha-256 verified, committed in ${(result.durationMs / 1000).toFixed(1)} s`);
    });
}
