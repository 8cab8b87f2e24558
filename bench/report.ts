// `npm run bench -- report`: a week's report from a year of exported metrics. The year is
// generated (test/support/metrics.ts: every minute of the probe, the business metrics, 8
// functions' Lambda metrics) and written by the export's own encoder into the S3-protocol
// server; the report is then built by the built CLI (`ops report weekly`, the same bundle shape
// as the Lambda's) in a fresh process, timed, its peak RSS read by the process itself at exit.
// Targets: ≤ 10 s and ≤ 256 MB. BENCH_DAYS (default 365) sets how much is generated.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { encodePoints, exportKey } from "../lambdas/metrics-export/export";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CLI_FILE } from "../bin/build-cli";
import { addDays, weekDays } from "../lambdas/lib/week";
import { syntheticDay } from "../test/support/metrics";
import { startS3 } from "../test/support/s3";
import { benchRounds, describeMachine, describeSamples, samples } from "./measure";

const WEEK = "2026-W48";

/** Preloaded into the CLI's process: its peak RSS (KiB) on stderr as it exits. */
const PEAK_RSS = `data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss="+process.resourceUsage().maxRSS+"\\n"))`;

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
    console.log(
      `generated ${days} days of exported metrics (${(bytes / 1048576).toFixed(0)} MB gzip) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    const runs: { ms: number; maxRssMB: number }[] = [];
    for (let round = 0; round < benchRounds(); round++) {
      const out = mkdtempSync(path.join(tmpdir(), "bench-report-"));
      const started = performance.now();
      const { stderr } = await promisify(execFile)(
        process.execPath,
        [
          "--import",
          PEAK_RSS,
          CLI_FILE,
          "report",
          "weekly",
          "--week",
          WEEK,
          "--no-alarm-history",
          "--out",
          out,
          "--logs-bucket",
          "logs",
        ],
        {
          env: { ...process.env, ...s3.env },
          maxBuffer: 1 << 20,
        },
      );
      runs.push({ ms: performance.now() - started, maxRssMB: Number(/maxrss=(\d+)/.exec(stderr)![1]) / 1024 });
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

void main();
