// Benchmark: the streamed backup against `pg_dump -Fc > file` of the same database, and the
// restore drill against a plain `pg_restore` of that file, in one run, at two database sizes.
// The backup runs in its own Node process (as the Lambda does) so its peak RSS is its own; the
// S3 server runs in another process.
// Prints MB/s of each and their ratio (target >= 0.9), the backup process's peak RSS (target
// <= 128 MB, flat as the size grows; the process runs with the backup image's ENV), and the
// drill's time against pg_restore into the same kind of scratch server (target <= 1.2x).
//   npm run bench -- backup                              (about 150 MB and 300 MB databases)
//   BENCH_BACKUP_MB=1024,2048 npm run bench -- backup    (the issue's size)
import { execFileSync, spawn } from "node:child_process";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { buildSync } from "esbuild";
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { bundleOptions } from "../infra/bundle";
import { applyRoles, runDrill } from "../lambdas/backup/drill";
import { findBackup } from "../lambdas/backup/manifest";
import { createS3Client } from "../lambdas/lib/s3";
import { libpqEnv } from "../lambdas/backup/pg-tools";
import { startScratchServer } from "../lambdas/backup/scratch-server";
import { freshDatabase } from "../test/support/db";
import { runAsUser, runnableNativeDir } from "../test/support/pg-server";
import { generateDrivers, generateRides, generateUsers } from "../test/support/generate";
import globalSetup from "../test/support/global-setup";
import globalTeardown from "../test/support/global-teardown";

const SIZES_MB = (process.env.BENCH_BACKUP_MB ?? "150,300").split(",").map(Number);
const ROOT = path.join(__dirname, "..");
const MB = 1024 * 1024;
const NOW = new Date();
// About 0.33 kB of table + indexes per generated ride (measured: 2,252,800 rides, 718 MB).
const RIDES_PER_MB = 3_100;

/**
 * Runs TypeScript in a child Node process, bundled by esbuild as the Lambda's code is (ts-node
 * alone would add ~100 MB to the RSS measured); resolves with what it printed last (JSON).
 */
function child(code: string, env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<any> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), "elegance-bench-js-")), "index.js");
  // As the Lambda's bundles are built (minified, same target), but from this entry and to a file.
  buildSync({ ...bundleOptions("backup"), entryPoints: undefined, stdin: { contents: code, resolveDir: ROOT, loader: "ts" }, outfile: out, write: true, sourcemap: false });
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [out], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let last = "";
    p.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      for (const line of chunk.split("\n").filter(Boolean)) {
        last = line;
        onLine?.(line);
      }
    });
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(last)) : reject(new Error(`child exited ${code}`))));
  });
}

/** The runtime settings the backup image gives its process (NODE_OPTIONS, malloc), from its Dockerfile's ENV lines. */
function imageEnvironment(): NodeJS.ProcessEnv {
  const dockerfile = readFileSync(path.join(ROOT, "images/backup/Dockerfile"), "utf8");
  const env: NodeJS.ProcessEnv = {};
  for (const [, line] of dockerfile.matchAll(/^ENV (.+)$/gm)) {
    for (const [, key, quoted, bare] of line.matchAll(/(\w+)=(?:"([^"]*)"|(\S+))/g)) env[key] = quoted ?? bare;
  }
  // Paths are the image's; here the PATH's programs serve.
  delete env.PG_BINDIR;
  delete env.PG_SERVER_BINDIR;
  return env;
}

const S3_SERVER = `require("./test/support/s3").startS3().then((s) => console.log(JSON.stringify(s.env)));`;
const BACKUP = `
const { runBackup } = require("./lambdas/backup/dump");
const { createS3Client } = require("./lambdas/lib/s3");
const t = performance.now();
runBackup({ databaseUrl: process.env.DATABASE_URL, s3: createS3Client(), bucket: "bench" }).then((r) => {
  console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, key: r.manifest.key, bytes: r.manifest.sizeBytes, maxRssKb: process.resourceUsage().maxRSS, phases: r.phases }));
});`;

async function main(): Promise<void> {
  await globalSetup();
  let s3Process: ReturnType<typeof spawn> | undefined;
  try {
    let s3Env: NodeJS.ProcessEnv = {};
    await new Promise<void>((resolve) => {
      s3Process = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", `${S3_SERVER} setInterval(() => {}, 1000);`], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
      s3Process.stdout!.setEncoding("utf8").once("data", (line: string) => {
        s3Env = JSON.parse(line);
        resolve();
      });
    });
    for (const sizeMb of SIZES_MB) await benchSize(sizeMb, s3Env);
  } finally {
    s3Process?.kill();
    await globalTeardown();
  }
}

async function benchSize(sizeMb: number, s3Env: NodeJS.ProcessEnv): Promise<void> {
  const db = await freshDatabase();
  const admin = await db.client("supabase_admin");
  await generateUsers(admin, { count: 20_000, seed: 2, now: NOW });
  await generateDrivers(admin, { count: 300, seed: 2, now: NOW });
  await generateRides(admin, { count: sizeMb * RIDES_PER_MB, oldFraction: 0.3, olderThanMonths: 7, seed: 2, now: NOW });
  const { rows: [size] } = await admin.query("SELECT pg_database_size(current_database()) AS bytes");
  const dbMb = Number(size.bytes) / MB;
  const s3 = createS3Client(s3Env);
  const bucket = "bench";
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);

  // Baseline: pg_dump -Fc to a file, same database, same client.
  const runAs = runAsUser();
  const dir = mkdtempSync(path.join(tmpdir(), "elegance-bench-"));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const file = path.join(dir, "baseline.dump");
  let t = performance.now();
  execFileSync("pg_dump", ["--format=custom", `--file=${file}`], { env: libpqEnv(db.url, "bench") });
  const plainSeconds = (performance.now() - t) / 1000;
  const plainBytes = statSync(file).size;

  const streamed = await child(BACKUP, { ...s3Env, ...imageEnvironment(), DATABASE_URL: db.url });

  // Drill (restore from S3 + every check) against plain pg_restore of the same dump, both into
  // a scratch server set up as the drill's Lambda sets up its own, which first gets the roles
  // both restores need (the drill applies them again, as it always does).
  const scratch = await startScratchServer({ bindir: path.join(runnableNativeDir(runAs, dir), "bin"), runAs });
  let drill, drillSeconds, restoreSeconds;
  try {
    await applyRoles({ s3, bucket }, await findBackup(s3, bucket, streamed.key), scratch.url);
    execFileSync("createdb", ["bench_restore"], { env: libpqEnv(scratch.url, "bench") });
    t = performance.now();
    execFileSync("pg_restore", ["--dbname=bench_restore", file], { env: libpqEnv(scratch.url, "bench") });
    restoreSeconds = (performance.now() - t) / 1000;
    execFileSync("dropdb", ["bench_restore"], { env: libpqEnv(scratch.url, "bench") });
    t = performance.now();
    drill = await runDrill({ s3, bucket, scratchUrl: scratch.url, backup: streamed.key });
    drillSeconds = (performance.now() - t) / 1000;
  } finally {
    await scratch.stop();
  }

  const mbps = (bytes: number, s: number) => bytes / MB / s;
  const [ours, base] = [mbps(dbMb * MB, streamed.seconds), mbps(dbMb * MB, plainSeconds)];
  console.log(`database ${dbMb.toFixed(0)} MB (dump ${(streamed.bytes / MB).toFixed(1)} MB, baseline file ${(plainBytes / MB).toFixed(1)} MB)`);
  console.log(`  streamed backup to S3: ${ours.toFixed(1)} MB/s of database (${streamed.seconds.toFixed(1)} s); pg_dump -Fc > file: ${base.toFixed(1)} MB/s (${plainSeconds.toFixed(1)} s)`);
  console.log(`  ratio (streamed / file): ${(ours / base).toFixed(2)} (target >= 0.9); backup process peak RSS ${(streamed.maxRssKb / 1024).toFixed(0)} MB (target <= 128 MB)`);
  console.log(`  where the backup's time went (ms): ${Object.entries(streamed.phases).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`  drill (${drill.status}): ${drillSeconds.toFixed(1)} s (restore ${(drill.details.restoreMs / 1000).toFixed(1)} s, checks ${((drill.details.drillMs - drill.details.restoreMs) / 1000).toFixed(1)} s, ${drill.details.indexesChecked} indexes, ${drill.details.indexesHeapChecked} with heapallindexed); plain pg_restore: ${restoreSeconds.toFixed(1)} s; ratio ${(drillSeconds / restoreSeconds).toFixed(2)} (target <= 1.2)`);
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
