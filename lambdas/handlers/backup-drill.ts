// The weekly restore drill, in the backup container image: a scratch PostgreSQL under /tmp, the
// latest backup restored into it and compared with its manifest; the verdict is recorded for
// the weekly check-list (which pages on it) and emitted as metrics.
import { runDrill } from "../backup/drill";
import { startScratchServer } from "../backup/scratch-server";
import { writeDrillRecord } from "../checks/backup-drill";
import type { CheckResult } from "../core/check";
import { ENV, METRIC } from "../core/contract";
import { requiredEnv } from "../core/inputs";
import { emfMetrics } from "../core/emf";
import { heartbeat } from "../core/metrics";
import { createS3Client } from "../lib/s3";
import { runAsProcess } from "./run-as-process";

export const handler = async () => {
  const started = new Date();
  const s3 = createS3Client();
  let result: CheckResult;
  const scratch = await startScratchServer({ bindir: requiredEnv(ENV.pgServerBindir) });
  try {
    result = await runDrill({ s3, bucket: requiredEnv(ENV.backupsBucket), scratchUrl: scratch.url });
  } catch (error) {
    // A drill that cannot restore (corrupt object, no backup) is a failed drill, recorded as such.
    result = { status: "fail", summary: `restore drill failed: ${(error as Error).message}` };
  } finally {
    await scratch.stop();
  }
  const recordKey = await writeDrillRecord(s3, requiredEnv(ENV.logsBucket), result, started, {
    timezone: process.env[ENV.timezone],
  });
  heartbeat(emfMetrics(), requiredEnv(ENV.taskName), {
    [METRIC.drillOk]: { value: result.status === "ok" ? 1 : 0, unit: "Count" },
    [METRIC.drillSeconds]: { value: (Date.now() - started.getTime()) / 1000, unit: "Seconds" },
  });
  return { status: result.status, summary: result.summary, recordKey };
};

// On ECS Fargate the image runs this bundle as a process (`node backup-drill/index.js`): same handler.
if (require.main === module) runAsProcess("backup-drill", handler);
