// The work of `ops backup …` and `ops restore`, loaded only when one runs.
import { createInterface } from "node:readline/promises";
import { runBackup } from "../../lambdas/backup/dump";
import { abortDrills, runDrill } from "../../lambdas/backup/drill";
import { BackupNotFoundError, findBackup, listBackups } from "../../lambdas/backup/manifest";
import { isSameDatabase, restoreBackup, RestoreInputError } from "../../lambdas/backup/restore";
import { summarizeSkipped } from "../../lambdas/backup/restore-plan";
import { connectTarget, sameServerDatabase, serverIdentity } from "../../lambdas/backup/restore-target";
import {
  osUser,
  ScratchSetupError,
  startScratchServer,
  stopScratchServers,
  type ScratchServer,
} from "../../lambdas/backup/scratch-server";
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
  print(
    options,
    result,
    `backup: ${m.key} (${(m.sizeBytes / MB).toFixed(1)} MB, sha-256 ${m.sha256.slice(0, 16)}…, ${m.tables.length} tables, ${m.tier})`,
  );
}

export async function backupList(options: Options): Promise<void> {
  const { backupsBucket } = requireInputs(["backupsBucket"], options);
  const backups = await listBackups(createS3Client(), backupsBucket, 60);
  const lines = backups.map(
    (m) => `${m.finishedAt}  ${(m.sizeBytes / MB).toFixed(1).padStart(9)} MB  ${m.tier.padEnd(7)}  ${m.key}`,
  );
  print(options, backups, lines.length ? lines.join("\n") : "no complete backup");
}

/** Errors the operator fixes on the command line exit 2. */
async function usage<T>(work: Promise<T>): Promise<T> {
  return work.catch((e: Error) =>
    Promise.reject(
      e instanceof RestoreInputError || e instanceof BackupNotFoundError || e instanceof ScratchSetupError
        ? new UsageError(e.message)
        : e,
    ),
  );
}

/** A postgresql:// URL, else a UsageError naming the flag. */
function databaseUrlFlag(flag: string, url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol) || !(parsed.hostname || parsed.searchParams.get("host"))) {
    throw new UsageError(
      `${flag}: not a postgresql:// URL with a host (e.g. postgresql://user:password@localhost:5432/postgres)`,
    );
  }
  return url;
}

/** The drill's scratch server: the one at --scratch-url, else one started from --pg-bindir (as an unprivileged user when root). */
async function scratchServer(options: Options): Promise<{ url: string; server?: ScratchServer }> {
  const url = inputValue("scratchUrl", options);
  if (url) return { url: databaseUrlFlag("--scratch-url", url) };
  const bindir = inputValue("pgBindir", options);
  if (!bindir)
    throw new UsageError(
      "give --scratch-url <superuser URL of a scratch server> or --pg-bindir <PostgreSQL server binaries>",
    );
  const runAsName = process.getuid?.() === 0 ? process.env.PG_SERVER_OS_USER || "nobody" : undefined;
  const runAs = runAsName ? await usage(Promise.resolve().then(() => osUser(runAsName))) : undefined;
  const server = await usage(startScratchServer({ bindir, runAs, runAsName }));
  return { url: server.url, server };
}

/** Until `work` settles, SIGINT/SIGTERM undo the drill (scratch database, scratch server) before exiting 130/143. */
async function withSignalCleanup<T>(work: () => Promise<T>, withServer: boolean): Promise<T> {
  const handler = (signal: NodeJS.Signals) => {
    process.stderr.write(`ops: ${signal}: removing the drill's scratch database${withServer ? " and server" : ""}…\n`);
    const exit = () => process.exit(signal === "SIGINT" ? 130 : 143);
    Promise.race([Promise.all([abortDrills(), stopScratchServers()]), new Promise((r) => setTimeout(r, 15_000))]).then(
      exit,
      exit,
    );
  };
  process.once("SIGINT", handler).once("SIGTERM", handler);
  try {
    return await work();
  } finally {
    process.off("SIGINT", handler).off("SIGTERM", handler);
  }
}

export async function backupDrill(options: Options): Promise<void> {
  const { backupsBucket } = requireInputs(["backupsBucket"], options);
  const s3 = createS3Client();
  const started = new Date();
  const withServer = !inputValue("scratchUrl", options);
  await withSignalCleanup(async () => {
    const scratch = await scratchServer(options);
    try {
      const result = await usage(
        runDrill({
          s3,
          bucket: backupsBucket,
          scratchUrl: scratch.url,
          backup: options.backup,
          heapAllIndexed: options.heapAllIndexed,
        }),
      );
      const logsBucket = inputValue("logsBucket", options);
      const recordKey = logsBucket
        ? await writeDrillRecord(s3, logsBucket, result, started, { timezone: stackConfig(options)?.timezone })
        : undefined;
      print(options, { ...result, recordKey }, `drill: ${result.status}: ${result.summary}`);
      process.exitCode = result.status === "fail" ? 1 : 0;
    } finally {
      await scratch.server?.stop();
    }
  }, withServer);
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
  const target = databaseUrlFlag("--target", options.target);
  if (!options.iKnowThisIsProduction && (await isProduction(target, databaseUrlFlag("--database-url", databaseUrl)))) {
    throw new UsageError(
      "--target is the production database (the same server and database as --database-url); refusing. Restore into another database, or add --i-know-this-is-production",
    );
  }
  const targetName = decodeURIComponent(new URL(target).pathname.slice(1));
  if (options.clean) {
    const ok = process.stdin.isTTY
      ? await confirm(`--clean drops and recreates objects in "${targetName}". Type its name to go on: `, targetName)
      : !!options.yes;
    if (!ok)
      throw new UsageError(
        process.stdin.isTTY ? "not confirmed; nothing done" : "--clean without a terminal needs --yes; nothing done",
      );
  }
  const s3 = createS3Client();
  const manifest = await usage(findBackup(s3, backupsBucket, options.backup));
  const restoring = restoreBackup({
    s3,
    bucket: backupsBucket,
    manifest,
    targetUrl: target,
    managedSchemas: options.managedSchemas,
    tables: options.table,
    section: options.schemaOnly ? "schema-only" : options.dataOnly ? "data-only" : undefined,
    clean: !!options.clean,
    noOwner: options.owner === false,
    onProgress: bytesProgress("restore"),
  });
  const result = await usage(restoring);
  const notes = [
    ...summarizeSkipped(result.skipped),
    ...(result.ownedByRestoringRole
      ? ["objects owned by the connecting role (it cannot act as their original owners); grants kept"]
      : []),
  ];
  const text = `restore: ${manifest.key} into ${targetName}: ${(result.bytes / MB).toFixed(1)} MB, sha-256 verified, committed in ${(result.durationMs / 1000).toFixed(1)} s`;
  print(options, result, [text, ...notes.map((n) => `  ${n}`)].join("\n"));
}

/**
 * Whether the target is the production database under any name (localhost for 127.0.0.1, a
 * trailing dot, a pooler host): what both servers say about themselves, else the URLs.
 */
async function isProduction(target: string, production: string): Promise<boolean> {
  if (isSameDatabase(target, production)) return true;
  const clients = await Promise.allSettled([
    connectTarget(target, "--target"),
    connectTarget(production, "--database-url"),
  ]);
  try {
    if (clients[0].status === "rejected") throw clients[0].reason;
    // Production unreachable: no server to be confused with; the URL comparison above stands.
    if (clients[1].status === "rejected") return false;
    const [a, b] = await Promise.all([
      serverIdentity(clients[0].value, target),
      serverIdentity(clients[1].value, production),
    ]);
    return sameServerDatabase(a, b);
  } finally {
    await Promise.all(clients.flatMap((c) => (c.status === "fulfilled" ? [c.value.end().catch(() => undefined)] : [])));
  }
}
