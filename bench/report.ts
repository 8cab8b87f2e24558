// `npm run bench -- report`: a week's report from a year of exported metrics. The year is
// generated (test/support/metrics.ts: every minute of the probe, the business metrics, 8
// functions' Lambda metrics) and written by the export's own encoder into the S3-protocol
// server; the report is then built in a fresh process, timed, its peak RSS read from the OS.
// Targets: ≤ 10 s and ≤ 256 MB. BENCH_DAYS (default 365) sets how much is generated.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createS3Client } from "../lambdas/lib/s3";
import { encodePoints, exportKey } from "../lambdas/metrics-export/export";
import { buildWeeklyReport } from "../lambdas/report/index";
import { addDays, weekDays } from "../lambdas/report/week";
import { syntheticDay } from "../test/support/metrics";
import { startS3 } from "../test/support/s3";
import { benchRounds, describeMachine, describeSamples, samples } from "./measure";

const WEEK = "2026-W48";

async function child(): Promise<void> {
  const started = performance.now();
  const built = await buildWeeklyReport({ s3: createS3Client(), logsBucket: "logs", week: WEEK, now: new Date("2026-11-30T09:00:00Z") });
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024, htmlBytes: built.html.length, uptime: built.report.uptime }));
}

async function main(): Promise<void> {
  const days = Number(process.env.BENCH_DAYS ?? 365);
  console.log(describeMachine("before"));
  const s3 = await startS3();
  try {
    await s3.createBucket("logs");
    const last = weekDays(WEEK)[6];
    let bytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < days; i++) {
      const day = addDays(last, -i);
      const body = encodePoints(syntheticDay(day, { lambdaMetrics: true, outage: i === 3 ? [600, 612] : undefined }));
      bytes += body.length;
      await s3.client.send(new PutObjectCommand({ Bucket: "logs", Key: exportKey(day), Body: body }));
    }
    console.log(`generated ${days} days of exported metrics (${(bytes / 1048576).toFixed(0)} MB gzip) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const runs: { ms: number; maxRssMB: number }[] = [];
    for (let round = 0; round < benchRounds(); round++) {
      const { stdout } = await promisify(execFile)(process.execPath, ["-r", "ts-node/register/transpile-only", __filename], {
        env: { ...process.env, ...s3.env, BENCH_REPORT_CHILD: "1" },
        maxBuffer: 1 << 20,
      });
      runs.push(JSON.parse(stdout));
    }
    const time = samples(runs.map((r) => r.ms / 1000));
    const rss = samples(runs.map((r) => r.maxRssMB));
    console.log(`weekly report ${WEEK} from ${days} days: ${describeSamples(time, "s")} (target ≤ 10 s)`);
    console.log(`peak RSS of the building process: ${describeSamples(rss, "MB", 0)} (target ≤ 256 MB)`);
    console.log(describeMachine("after"));
  } finally {
    await s3.stop();
  }
}

if (process.env.BENCH_REPORT_CHILD) void child();
else void main();
