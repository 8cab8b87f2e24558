// Benchmark: the streamed backup against `pg_dump -Fc > file` of the same database, and the
// restore drill against a plain `pg_restore` of that file, in one run, at two database sizes.
// The backup runs in its own Node process (as the Lambda does) so its peak RSS is its own; the
// S3 server runs in another process.
// Prints MB/s of each and their ratio (target >= 0.9), the backup process's peak RSS (target
// <= 128 MB, flat as the size grows), and the drill's time against pg_restore (target <= 1.2x).
//   npm run bench -- backup                              (about 150 MB and 300 MB databases)
//   BENCH_BACKUP_MB=1024,2048 npm run bench -- backup    (the size)
import { execFileSync, spawn } from "node:child_process";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { buildSync } from "esbuild";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runDrill } from "../lambdas/backup/drill";
import { createS3Client } from "../lambdas/lib/s3";
import { libpqEnv } from "../lambdas/backup/pg-tools";
import { freshDatabase, superuserUrl } from "../test/support/db";
import { generateDrivers, generateRides, generateUsers } from "../test/support/generate";
import globalSetup from "../test/support/global-setup";
import globalTeardown from "../test/support/global-teardown";

const SIZES_MB = (process.env.BENCH_BACKUP_MB ?? "150,300").split(",").map(Number);
const ROOT = path.join(__dirname, "..");
const MB = 1024 * 1024;
const NOW = new Date();
// About 0.45 kB of table + indexes per generated ride (measured: 127,500 rides, 59 MB).
const RIDES_PER_MB = 2_200;

/**
 * Runs TypeScript in a child Node process, bundled by esbuild as the Lambda's code is (ts-node
 * alone would add ~100 MB to the RSS measured); resolves with what it printed last (JSON).
 */
function child(code: string, env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<any> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), "elegance-bench-js-")), "index.js");
  buildSync({ stdin: { contents: code, resolveDir: ROOT, loader: "ts" }, bundle: true, platform: "node", format: "cjs", outfile: out, logLevel: "error" });
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

const S3_SERVER = `require("./test/support/s3").startS3().then((s) => console.log(JSON.stringify(s.env)));`;
const BACKUP = `
const { runBackup } = require("./lambdas/backup/dump");
const { createS3Client } = require("./lambdas/lib/s3");
const t = performance.now();
runBackup({ databaseUrl: process.env.DATABASE_URL, s3: createS3Client(), bucket: "bench" }).then((r) => {
  console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, bytes: r.manifest.sizeBytes, maxRssKb: process.resourceUsage().maxRSS }));
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
  const dir = mkdtempSync(path.join(tmpdir(), "elegance-bench-"));
  const file = path.join(dir, "baseline.dump");
  let t = performance.now();
  execFileSync("pg_dump", ["--format=custom", `--file=${file}`], { env: libpqEnv(db.url, "bench") });
  const plainSeconds = (performance.now() - t) / 1000;
  const plainBytes = statSync(file).size;

  const streamed = await child(BACKUP, { ...s3Env, DATABASE_URL: db.url });

  // Drill (restore from S3 + every check) against plain pg_restore of the same dump.
  t = performance.now();
  const drill = await runDrill({ s3, bucket, scratchUrl: superuserUrl() });
  const drillSeconds = (performance.now() - t) / 1000;
  execFileSync("createdb", ["bench_restore"], { env: libpqEnv(superuserUrl(), "bench") });
  t = performance.now();
  execFileSync("pg_restore", ["--dbname=bench_restore", file], { env: libpqEnv(superuserUrl(), "bench") });
  const restoreSeconds = (performance.now() - t) / 1000;
  execFileSync("dropdb", ["bench_restore"], { env: libpqEnv(superuserUrl(), "bench") });

  const mbps = (bytes: number, s: number) => bytes / MB / s;
  const [ours, base] = [mbps(dbMb * MB, streamed.seconds), mbps(dbMb * MB, plainSeconds)];
  console.log(`database ${dbMb.toFixed(0)} MB (dump ${(streamed.bytes / MB).toFixed(1)} MB, baseline file ${(plainBytes / MB).toFixed(1)} MB)`);
  console.log(`  streamed backup to S3: ${ours.toFixed(1)} MB/s of database (${streamed.seconds.toFixed(1)} s); pg_dump -Fc > file: ${base.toFixed(1)} MB/s (${plainSeconds.toFixed(1)} s)`);
  console.log(`  ratio (streamed / file): ${(ours / base).toFixed(2)} (target >= 0.9); backup process peak RSS ${(streamed.maxRssKb / 1024).toFixed(0)} MB (target <= 128 MB)`);
  console.log(`  drill (${drill.status}): ${drillSeconds.toFixed(1)} s; plain pg_restore: ${restoreSeconds.toFixed(1)} s; ratio ${(drillSeconds / restoreSeconds).toFixed(2)} (target <= 1.2)`);
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
