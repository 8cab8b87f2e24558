// What a weekly report is built from, all of it stored: the check-lists' run records, the daily
// metrics export (5 weeks: the week and the 4 before, for the business comparison) and the
// alarms' state changes from CloudWatch's alarm history. Nothing is read from the database or
// the app, so any past week within the 2 years kept can be rebuilt from S3.
import {
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type AlarmHistoryItem,
  type CloudWatchClient,
} from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { gunzipSync, strFromU8 } from "fflate";
import type { RunRecord } from "../core/check";
import { RECORDS_PREFIX } from "../core/contract";
import { listObjects } from "../lib/s3";
import { exportKey, type ExportedPoint } from "../metrics-export/export";
import { addDays, dayRange } from "../lib/week";

/** A datapoint as the report keeps it (dimensions as one string, `App=…,Task=…`). */
export interface Point {
  metric: string;
  dims: string;
  stat: string;
  time: number;
  value: number;
}

const dimsKey = (d: Record<string, string>) =>
  Object.entries(d)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/**
 * The points of one exported day whose metric (namespace and name) is wanted. Lines are
 * filtered on their leading `{"namespace":…,"metric":…` before parsing: a day holds every
 * metric of the stack at 1 minute, and the report reads a handful of them.
 */
export async function readPoints(
  s3: S3Client,
  bucket: string,
  day: string,
  wanted: { namespace: string; metrics: readonly string[] }[],
  signal?: AbortSignal,
): Promise<Point[]> {
  let body: Uint8Array;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: exportKey(day) }), {
      abortSignal: signal,
    });
    body = await object.Body!.transformToByteArray();
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return [];
    throw error;
  }
  const prefixes = wanted.flatMap((w) =>
    w.metrics.map((m) => `{"namespace":${JSON.stringify(w.namespace)},"metric":${JSON.stringify(m)},`),
  );
  const points: Point[] = [];
  for (const line of strFromU8(gunzipSync(body)).split("\n")) {
    if (!prefixes.some((p) => line.startsWith(p))) continue;
    const p = JSON.parse(line) as ExportedPoint;
    points.push({
      metric: p.metric,
      dims: dimsKey(p.dimensions),
      stat: p.stat,
      time: Date.parse(p.time),
      value: p.value,
    });
  }
  return points;
}

/** The run records of every list dated within [first, last] (Paris dates, as written). */
export async function readRunRecords(
  s3: S3Client,
  bucket: string,
  first: string,
  last: string,
  signal?: AbortSignal,
): Promise<RunRecord[]> {
  const months = [...new Set([first.slice(0, 7), last.slice(0, 7)])];
  const keys: string[] = [];
  for (const list of ["daily", "weekly", "monthly"]) {
    for (const month of months) {
      for (const o of await listObjects(s3, bucket, `${RECORDS_PREFIX}${list}/${month}`, { signal })) {
        const date = o.Key?.slice(`${RECORDS_PREFIX}${list}/`.length, `${RECORDS_PREFIX}${list}/`.length + 10) ?? "";
        if (o.Key && date >= first && date <= last) keys.push(o.Key);
      }
    }
  }
  const records: RunRecord[] = [];
  for (const key of keys.sort()) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    records.push(JSON.parse(await object.Body!.transformToString()) as RunRecord);
  }
  return records;
}

/**
 * The alarms' state changes from a day before the week (an alarm raised on Sunday night and
 * cleared on Monday belongs to both) to its end. CloudWatch keeps 30 days of alarm history:
 * older weeks have only their run records' incidents.
 */
export async function readAlarmHistory(
  cloudwatch: CloudWatchClient,
  app: string,
  first: string,
  last: string,
  signal?: AbortSignal,
): Promise<AlarmHistoryItem[]> {
  const items: AlarmHistoryItem[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        HistoryItemType: "StateUpdate",
        StartDate: dayRange(addDays(first, -1)).start,
        EndDate: dayRange(last).end,
        ScanBy: "TimestampAscending",
        MaxRecords: 100,
        NextToken: token,
      }),
      { abortSignal: signal },
    );
    // DescribeAlarmHistory has no name filter: the stack's alarms are the `<app>-…` ones.
    items.push(...(page.AlarmHistoryItems ?? []).filter((i) => i.AlarmName?.startsWith(`${app}-`)));
    token = page.NextToken;
  } while (token);
  return items;
}

/** Each alarm's level, read from the topic it pages (`…-incidents-level-<n>`, infra/paging.ts). */
export async function readAlarmLevels(
  cloudwatch: CloudWatchClient,
  app: string,
  signal?: AbortSignal,
): Promise<Map<string, 1 | 2 | 3>> {
  const levels = new Map<string, 1 | 2 | 3>();
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${app}-`, NextToken: token }), {
      abortSignal: signal,
    });
    for (const alarm of page.MetricAlarms ?? []) {
      const level = (alarm.AlarmActions ?? []).map((arn) => /incidents-level-([123])$/.exec(arn)?.[1]).find(Boolean);
      if (alarm.AlarmName && level) levels.set(alarm.AlarmName, Number(level) as 1 | 2 | 3);
    }
    token = page.NextToken;
  } while (token);
  return levels;
}
