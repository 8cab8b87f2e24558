// The daily metrics export (lambdas/metrics-export/export.ts): yesterday, and any missed day of
// the last 15, to metrics/YYYY/MM/DD/ of the logs bucket.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ENV } from "../core/contract";
import { emfMetrics } from "../core/emf";
import { heartbeat } from "../core/metrics";
import { createS3Client } from "../lib/s3";
import { exportMetrics } from "../metrics-export/export";

export const handler = async () => {
  const bucket = process.env[ENV.logsBucket];
  const app = process.env[ENV.appName];
  if (!bucket || !app) throw new Error(`${ENV.logsBucket} and ${ENV.appName} must be set`);
  const result = await exportMetrics({
    cloudwatch: new CloudWatchClient({}),
    s3: createS3Client(),
    logsBucket: bucket,
    app,
    log: (line) => console.log(line),
  });
  heartbeat(emfMetrics(), process.env[ENV.taskName] ?? "metrics-export");
  return result;
};
