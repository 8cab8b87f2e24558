// The weekly report, scheduled on Monday after the weekly list: last week's report written
// under reports/weekly/ of the logs bucket, then mailed (SES) or announced on the level-1 topic.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SNSClient } from "@aws-sdk/client-sns";
import { ENV } from "../core/contract";
import { inputsFromEnv } from "../core/inputs";
import { emfMetrics } from "../core/emf";
import { heartbeat } from "../core/metrics";
import { secretValue } from "../lib/secrets";
import { createS3Client } from "../lib/s3";
import { deliverReport } from "../report/deliver";
import { buildWeeklyReport, writeWeeklyReport } from "../report/index";
import { previousWeek } from "../lib/week";

export const handler = async (event: { week?: string } = {}) => {
  const bucket = process.env[ENV.logsBucket];
  if (!bucket) throw new Error(`${ENV.logsBucket} is not set`);
  const inputs = inputsFromEnv(process.env, secretValue);
  const s3 = createS3Client();
  const week = event.week ?? previousWeek(new Date());
  const built = await buildWeeklyReport({
    s3,
    logsBucket: bucket,
    week,
    cloudwatch: new CloudWatchClient({}),
    app: process.env[ENV.appName],
    thresholds: { ...inputs.uptime, p95LatencyMs: inputs.p95LatencyMs },
  });
  await writeWeeklyReport(s3, bucket, built);
  const from = process.env[ENV.reportFrom];
  const recipientsArn = process.env[ENV.reportRecipientsSecretArn];
  const to = from && recipientsArn ? (JSON.parse(await secretValue(recipientsArn)) as string[]) : [];
  const topics = JSON.parse(process.env[ENV.incidentTopics] ?? "{}") as Record<string, string>;
  const sent = await deliverReport(built, bucket, {
    ...(from ? { email: { ses: new SESv2Client({}), from, to } } : {}),
    sns: new SNSClient({}),
    level1TopicArn: topics["1"],
  });
  heartbeat(emfMetrics(), process.env[ENV.taskName] ?? "weekly-report");
  return { week, keys: built.keys, sent };
};
