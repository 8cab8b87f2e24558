// The work of `ops backup …` and `ops restore`, loaded only when one runs.
import { createInterface } from "node:readline/promises";
import { runBackup } from "../../lambdas/backup/dump";
import { runDrill } from "../../lambdas/backup/drill";
import { findBackup, listBackups } from "../../lambdas/backup/manifest";
import { isSameDatabase, restoreBackup } from "../../lambdas/backup/restore";
import { startScratchServer, type ScratchServer } from "../../lambdas/backup/scratch-server";
import { writeDrillRecord } from "../../lambdas/checks/backup-drill";
import { createS3Client } from "../../lambdas/lib/s3";
import { inputValue, requireInputs, stackConfig, UsageError } from "./inputs";
import { print } from "./output";
import { writeProgressLine } from "./progress";

const MB = 1024 * 1024;
type Options = Record<string, any>;

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

export async function backupRun(options: Options): Promise<void> {
  const { databaseUrl, backupsBucket } = requireInputs(["databaseUrl", "backupsBucket"], options);
  const stack = stackConfig(options);
  const result = await runBackup({
    databaseUrl,
    s3: createS3Client(),
    bucket: backupsBucket,
    timezone: stack?.timezone,
    keepYearly: stack?.backups.retention.yearlyDays !== undefined,
    partSizeBytes: options.partSizeMb === undefined ? undefined : options.partSizeMb * MB,
    onProgress: bytesProgress("backup"),
  });
  if (!("manifest" in result)) return print(options, result, `backup: skipped: ${result.skipped}`);
  const m = result.manifest;
  print(options, result, `backup: ${m.key} (${(m.sizeBytes / MB).toFixed(1)} MB, sha-256 ${m.sha256.slice(0, 16)}…, ${m.tables.length} tables, ${m.tier})`);
}

export async function backupList(options: Options): Promise<void> {
  const { backupsBucket } = requireInputs(["backupsBucket"], options);
  const backups = await listBackups(createS3Client(), backupsBucket, 60);
  const lines = backups.map((m) => `${m.finishedAt}  ${(m.sizeBytes / MB).toFixed(1).padStart(9)} MB  ${m.tier.padEnd(7)}  ${m.key}`);
  print(options, backups, lines.length ? lines.join("\n") : "no complete backup");
}

/** The drill's scratch server: the one at --scratch-url, else one started from --pg-bindir. */
async function scratchServer(options: Options): Promise<{ url: string; server?: ScratchServer }> {
  const url = inputValue("scratchUrl", options);
  if (url) return { url };
  const bindir = inputValue("pgBindir", options);
  if (!bindir) throw new UsageError("give --scratch-url <superuser URL of a scratch server> or --pg-bindir <PostgreSQL server binaries>");
  const server = await startScratchServer({ bindir });
  return { url: server.url, server };
}

export async function backupDrill(options: Options): Promise<void> {
  const { backupsBucket } = requireInputs(["backupsBucket"], options);
  const s3 = createS3Client();
  const started = new Date();
  const scratch = await scratchServer(options);
  try {
    const result = await runDrill({ s3, bucket: backupsBucket, scratchUrl: scratch.url, backup: options.backup, heapAllIndexed: options.heapAllIndexed });
    const logsBucket = inputValue("logsBucket", options);
    const recordKey = logsBucket ? await writeDrillRecord(s3, logsBucket, result, started, { timezone: stackConfig(options)?.timezone }) : undefined;
    print(options, { ...result, recordKey }, `drill: ${result.status}: ${result.summary}`);
    process.exitCode = result.status === "fail" ? 1 : 0;
  } finally {
    await scratch.server?.stop();
  }
}

async function confirm(question: string, expected: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
}

export async function restore(options: Options): Promise<void> {
  // --database-url names production here: the database a restore must not overwrite by mistake.
  const { backupsBucket, databaseUrl } = requireInputs(["backupsBucket", "databaseUrl"], options);
  if (isSameDatabase(options.target, databaseUrl) && !options.iKnowThisIsProduction) {
    throw new UsageError("--target is the production database (same host and database as --database-url); refusing. Restore into another database, or add --i-know-this-is-production");
  }
  const targetName = new URL(options.target).pathname.slice(1);
  if (options.clean) {
    const ok = process.stdin.isTTY ? await confirm(`--clean drops and recreates objects in "${targetName}". Type its name to go on: `, targetName) : !!options.yes;
    if (!ok) throw new UsageError(process.stdin.isTTY ? "not confirmed; nothing done" : "--clean without a terminal needs --yes; nothing done");
  }
  const s3 = createS3Client();
  const manifest = await findBackup(s3, backupsBucket, options.backup);
  const result = await restoreBackup({
    s3,
    bucket: backupsBucket,
    manifest,
    targetUrl: options.target,
    tables: options.table,
    section: options.schemaOnly ? "schema-only" : options.dataOnly ? "data-only" : undefined,
    clean: !!options.clean,
    noOwner: options.owner === false,
    onProgress: bytesProgress("restore"),
  });
  print(options, result, `restore: ${manifest.key} into ${targetName}: ${(result.bytes / MB).toFixed(1)} MB, sha-256 verified, committed in ${(result.durationMs / 1000).toFixed(1)} s`);
}
