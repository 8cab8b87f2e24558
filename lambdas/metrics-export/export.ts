// The daily metrics export: CloudWatch keeps 1-minute data 15 days and everything 15 months at
// most; the guide keeps metrics 2 years. Each UTC day of every metric the stack emits or alarms
// on is read with GetMetricData and written as one gzip NDJSON object under metrics/YYYY/MM/DD/
// of the logs bucket (kept 731 days), which the Glue table of infra/metrics-archive.ts reads.
import {
  GetMetricDataCommand,
  ListMetricsCommand,
  type CloudWatchClient,
  type Metric,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { gunzipSync, gzipSync, strFromU8, strToU8 } from "fflate";
import { LOG_PREFIXES, METRIC, METRICS_NAMESPACE } from "../core/contract";
import { addDays, dayRange, utcDay } from "../lib/week";

/** One datapoint, one NDJSON line; the Glue table's columns (infra/metrics-archive.ts). */
export interface ExportedPoint {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  stat: string;
  /** Seconds the datapoint aggregates (60, or 300 once CloudWatch dropped the 1-minute data). */
  period: number;
  /** ISO 8601 UTC start of the period. */
  time: string;
  value: number;
}

/** Days CloudWatch keeps 1-minute datapoints: how far back a missed day can be caught up. */
export const CATCH_UP_DAYS = 15;
/** GetMetricData takes at most 500 queries per call. */
const QUERIES_PER_CALL = 500;
/** Metrics read as distributions: their percentiles are exported beside the usual statistics. */
const DISTRIBUTIONS: ReadonlySet<string> = new Set([METRIC.latency, METRIC.requestDuration, "Duration"]);
const STATS = ["Average", "Sum", "SampleCount", "Minimum", "Maximum"];
const PERCENTILES = ["p50", "p95", "p99"];

/** `metrics/2026/11/24/metrics.ndjson.gz`: one object per day, overwritten by a re-run. */
export function exportKey(day: string): string {
  const [y, m, d] = day.split("-");
  return `${LOG_PREFIXES.metrics}${y}/${m}/${d}/metrics.ndjson.gz`;
}

/**
 * The metrics to export: every metric of the stack's namespace (checks, probe, tasks, business
 * metrics) and, of AWS/Lambda and AWS/SQS, those of the stack's own functions and dead-letter
 * queues (named `<app>-…`), which the alarms watch. ListMetrics returns what had data in the
 * last two weeks, which covers any day the export can still read.
 */
export async function stackMetrics(cloudwatch: CloudWatchClient, app: string, signal?: AbortSignal): Promise<Metric[]> {
  const sources: { namespace: string; dimension?: string }[] = [
    { namespace: METRICS_NAMESPACE },
    { namespace: "AWS/Lambda", dimension: "FunctionName" },
    { namespace: "AWS/SQS", dimension: "QueueName" },
  ];
  const metrics: Metric[] = [];
  for (const source of sources) {
    let token: string | undefined;
    do {
      const page = await cloudwatch.send(new ListMetricsCommand({ Namespace: source.namespace, NextToken: token }), {
        abortSignal: signal,
      });
      for (const m of page.Metrics ?? []) {
        const name = source.dimension && m.Dimensions?.find((d) => d.Name === source.dimension)?.Value;
        if (!source.dimension || name?.startsWith(`${app}-`)) metrics.push(m);
      }
      token = page.NextToken;
    } while (token);
  }
  return metrics;
}

/** 60 s while CloudWatch still has 1-minute data, 300 s up to 63 days, then hourly. */
export function periodFor(day: string, now: Date): number {
  const ageDays = (now.getTime() - dayRange(day).start.getTime()) / 86_400_000;
  return ageDays <= CATCH_UP_DAYS ? 60 : ageDays <= 63 ? 300 : 3600;
}

/** Every datapoint of `day` for these metrics, sorted so the same data gives the same bytes. */
export async function readDay(
  cloudwatch: CloudWatchClient,
  metrics: Metric[],
  day: string,
  now: Date,
  signal?: AbortSignal,
): Promise<ExportedPoint[]> {
  const { start, end } = dayRange(day);
  const period = periodFor(day, now);
  const queries: { query: MetricDataQuery; metric: Metric; stat: string }[] = metrics.flatMap((metric) =>
    [...STATS, ...(DISTRIBUTIONS.has(metric.MetricName ?? "") ? PERCENTILES : [])].map((stat) => ({
      metric,
      stat,
      query: {} as MetricDataQuery,
    })),
  );
  queries.forEach(
    (q, i) =>
      (q.query = { Id: `q${i}`, MetricStat: { Metric: q.metric, Period: period, Stat: q.stat }, ReturnData: true }),
  );
  const points: ExportedPoint[] = [];
  for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
    const batch = queries.slice(i, i + QUERIES_PER_CALL);
    const byId = new Map(batch.map((q) => [q.query.Id, q]));
    let token: string | undefined;
    do {
      const page = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          MetricDataQueries: batch.map((q) => q.query),
          ScanBy: "TimestampAscending",
          NextToken: token,
        }),
        { abortSignal: signal },
      );
      for (const result of page.MetricDataResults ?? []) {
        const q = byId.get(result.Id);
        if (!q) continue;
        const dimensions = Object.fromEntries(
          (q.metric.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]).sort(([a], [b]) => a.localeCompare(b)),
        );
        (result.Timestamps ?? []).forEach((t, j) => {
          const value = result.Values?.[j];
          if (value === undefined) return;
          points.push({
            namespace: q.metric.Namespace ?? "",
            metric: q.metric.MetricName ?? "",
            dimensions,
            stat: q.stat,
            period,
            time: new Date(t).toISOString(),
            value,
          });
        });
      }
      token = page.NextToken;
    } while (token);
  }
  const sortKey = (p: ExportedPoint) =>
    `${p.namespace}\u0000${p.metric}\u0000${JSON.stringify(p.dimensions)}\u0000${p.stat}\u0000${p.time}`;
  return points
    .map((p) => [sortKey(p), p] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, p]) => p);
}

/** gzip NDJSON with no timestamp in the header: the same points give the same object. */
export const encodePoints = (points: ExportedPoint[]): Uint8Array =>
  gzipSync(strToU8(points.map((p) => JSON.stringify(p)).join("\n") + (points.length ? "\n" : "")), {
    level: 6,
    mtime: 0,
  });

export function decodePoints(body: Uint8Array): ExportedPoint[] {
  const text = strFromU8(gunzipSync(body));
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ExportedPoint);
}

export interface ExportDeps {
  cloudwatch: CloudWatchClient;
  s3: S3Client;
  logsBucket: string;
  /** The app's name: its functions and queues are `<app>-…`. */
  app: string;
  now?: Date;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Exports one day (overwriting its object). */
export async function exportDay(
  deps: ExportDeps,
  day: string,
  metrics?: Metric[],
): Promise<{ day: string; key: string; points: number }> {
  const now = deps.now ?? new Date();
  const list = metrics ?? (await stackMetrics(deps.cloudwatch, deps.app, deps.signal));
  const points = await readDay(deps.cloudwatch, list, day, now, deps.signal);
  const key = exportKey(day);
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.logsBucket,
      Key: key,
      Body: encodePoints(points),
      ContentType: "application/x-ndjson",
      ContentEncoding: "gzip",
    }),
    { abortSignal: deps.signal },
  );
  deps.log?.(`${key}: ${points.length} datapoints`);
  return { day, key, points: points.length };
}

async function exists(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return true;
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/**
 * The scheduled run: yesterday (always, overwritten), then every earlier day of the last
 * CATCH_UP_DAYS that has no object yet (a run that failed or did not happen).
 */
export async function exportMetrics(
  deps: ExportDeps,
): Promise<{ exported: { day: string; key: string; points: number }[] }> {
  const now = deps.now ?? new Date();
  const yesterday = addDays(utcDay(now), -1);
  const metrics = await stackMetrics(deps.cloudwatch, deps.app, deps.signal);
  const exported = [await exportDay({ ...deps, now }, yesterday, metrics)];
  for (let back = 1; back < CATCH_UP_DAYS; back++) {
    const day = addDays(yesterday, -back);
    if (!(await exists(deps.s3, deps.logsBucket, exportKey(day), deps.signal)))
      exported.push(await exportDay({ ...deps, now }, day, metrics));
  }
  return { exported };
}

/** One exported day's points, or none when the day was never exported. */
export async function readExportedDay(
  s3: S3Client,
  bucket: string,
  day: string,
  signal?: AbortSignal,
): Promise<ExportedPoint[]> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: exportKey(day) }), {
      abortSignal: signal,
    });
    return decodePoints(await object.Body!.transformToByteArray());
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return [];
    throw error;
  }
}
