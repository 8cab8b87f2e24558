// The weekly report: read the stored data, compute the guide's MaintenanceReport, render the
// page, write both under reports/weekly/ of the logs bucket. Shared by the scheduled Lambda
// (lambdas/handlers/weekly-report.ts), `ops report weekly` and `npm start`.
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { BUSINESS_METRIC, METRIC, METRICS_NAMESPACE, WEEKLY_REPORTS_PREFIX } from "../core/contract";
import { buildReport, type MaintenanceReport } from "./build";
import { reportCharts } from "./charts";
import { readAlarmHistory, readAlarmLevels, readPoints, readRunRecords, type Point } from "./data";
import { reportHtml } from "./html";
import { addDays, weekDays } from "../lib/week";

export type { MaintenanceReport } from "./build";

export interface WeeklyReportArgs {
  s3: S3Client;
  logsBucket: string;
  /** ISO week, e.g. `2026-W48`. */
  week: string;
  /** For the alarms' history (last 30 days only); without it the incidents are the check-lists' alone. */
  cloudwatch?: CloudWatchClient;
  /** The app's name, prefix of its alarms. @default "elegance-mobilite" */
  app?: string;
  /** @default 99.9 / 99 % and 1500 ms, the stack's defaults */
  thresholds?: { warnBelowPercent: number; failBelowPercent: number; p95LatencyMs: number };
  now?: Date;
  signal?: AbortSignal;
}

export interface WeeklyReport {
  report: MaintenanceReport;
  json: string;
  html: string;
  /** Where `writeWeeklyReport` puts them. */
  keys: { json: string; html: string };
}

const BUSINESS = Object.values(BUSINESS_METRIC);
const WEEK_METRICS = [METRIC.up, METRIC.latency, METRIC.backupSeconds, METRIC.drillSeconds, ...BUSINESS];

export const reportKeys = (week: string) => ({
  json: `${WEEKLY_REPORTS_PREFIX}${week}.json`,
  html: `${WEEKLY_REPORTS_PREFIX}${week}.html`,
});

export async function buildWeeklyReport(args: WeeklyReportArgs): Promise<WeeklyReport> {
  const days = weekDays(args.week);
  const app = args.app ?? "elegance-mobilite";
  const wanted = (metrics: readonly string[]) => [{ namespace: METRICS_NAMESPACE, metrics }];
  // Days one after the other: a day of 1-minute data is parsed, filtered and dropped before the next.
  const weekPoints: Point[] = [];
  for (const day of days)
    weekPoints.push(...(await readPoints(args.s3, args.logsBucket, day, wanted(WEEK_METRICS), args.signal)));
  const previousPoints: Point[] = [];
  for (let d = 1; d <= 28; d++)
    previousPoints.push(
      ...(await readPoints(args.s3, args.logsBucket, addDays(days[0], -d), wanted(BUSINESS), args.signal)),
    );
  const records = await readRunRecords(args.s3, args.logsBucket, days[0], days[6], args.signal);
  const alarmHistory = args.cloudwatch
    ? await readAlarmHistory(args.cloudwatch, app, days[0], days[6], args.signal)
    : [];
  const alarmLevels = args.cloudwatch ? await readAlarmLevels(args.cloudwatch, app, args.signal) : new Map();
  const report = buildReport({
    week: args.week,
    days,
    now: args.now ?? new Date(),
    weekPoints,
    previousPoints,
    records,
    alarmHistory,
    alarmLevels,
    thresholds: args.thresholds ?? { warnBelowPercent: 99.9, failBelowPercent: 99, p95LatencyMs: 1500 },
  });
  const html = reportHtml(report, await reportCharts(report));
  return { report, json: `${JSON.stringify(report, null, 2)}\n`, html, keys: reportKeys(args.week) };
}

/** Writes the JSON and the page (a rebuilt week overwrites its report). */
export async function writeWeeklyReport(
  s3: S3Client,
  bucket: string,
  built: WeeklyReport,
  signal?: AbortSignal,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: built.keys.json, Body: built.json, ContentType: "application/json" }),
    { abortSignal: signal },
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: built.keys.html,
      Body: built.html,
      ContentType: "text/html; charset=utf-8",
    }),
    { abortSignal: signal },
  );
}
