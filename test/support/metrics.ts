// Synthetic CloudWatch data for the report and the export: a day of the stack's metrics as
// CloudWatch would return them (probe every minute with a short outage, latency with a slow
// evening, the daily list's business metrics, the backup's duration, the functions' Lambda
// metrics), and a CloudWatch mock (aws-sdk-client-mock) answering ListMetrics and
// GetMetricData from it, so the export's real code writes what the report reads.
import {
  GetMetricDataCommand,
  ListMetricsCommand,
  type CloudWatchClient,
  type GetMetricDataCommandInput,
  type Metric,
} from "@aws-sdk/client-cloudwatch";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { BUSINESS_METRIC, METRIC, METRICS_NAMESPACE } from "../../lambdas/core/contract";
import type { ExportedPoint } from "../../lambdas/metrics-export/export";
import { dayRange } from "../../lambdas/lib/week";

/** Deterministic noise in [0, 1) from a number. */
const noise = (n: number) => {
  const x = Math.sin(n * 12.9898) * 43758.5453;
  return x - Math.floor(x);
};

export const APP = "elegance-mobilite";
const FUNCTIONS = [
  "daily-checklist",
  "weekly-checklist",
  "monthly-checklist",
  "health-probe",
  "backup",
  "backup-drill",
  "metrics-export",
  "weekly-report",
].map((f) => `${APP}-${f}`);

/** Every datapoint of `day` at `period` seconds. `outage`: minutes of that day the probe saw the app down. */
export function syntheticDay(
  day: string,
  options: { period?: number; outage?: [number, number]; lambdaMetrics?: boolean } = {},
): ExportedPoint[] {
  const period = options.period ?? 60;
  const start = dayRange(day).start.getTime();
  const dayIndex = Math.round(start / 86_400_000);
  const points: ExportedPoint[] = [];
  const push = (
    namespace: string,
    metric: string,
    dimensions: Record<string, string>,
    stat: string,
    t: number,
    value: number,
  ) => points.push({ namespace, metric, dimensions, stat, period, time: new Date(t).toISOString(), value });
  const app = { App: APP };
  for (let i = 0; i < 86_400 / period; i++) {
    const t = start + i * period * 1000;
    const minute = (i * period) / 60;
    const down = options.outage && minute >= options.outage[0] && minute < options.outage[1];
    const samples = period / 60;
    push(METRICS_NAMESPACE, METRIC.up, app, "Sum", t, down ? 0 : samples);
    push(METRICS_NAMESPACE, METRIC.up, app, "SampleCount", t, samples);
    // Slower in the evening rush (18-21 h UTC), noisy.
    const base = 180 + (minute >= 1080 && minute < 1260 ? 260 : 0) + noise(dayIndex * 1440 + minute) * 120;
    push(METRICS_NAMESPACE, METRIC.latency, app, "Average", t, Math.round(base));
    push(METRICS_NAMESPACE, METRIC.latency, app, "p95", t, Math.round(base * 1.3));
    if (options.lambdaMetrics) {
      for (const fn of FUNCTIONS) {
        push("AWS/Lambda", "Duration", { FunctionName: fn }, "Average", t, 100 + noise(i) * 50);
        push("AWS/Lambda", "Invocations", { FunctionName: fn }, "Sum", t, 1);
      }
    }
  }
  // Once a day, at 07:00 UTC: the daily list's business metrics, the night's backup at 02:00.
  const at7 = start + 7 * 3_600_000;
  const weekday = new Date(start).getUTCDay();
  const rides = Math.round(300 + (weekday === 5 || weekday === 6 ? 120 : 0) + noise(dayIndex) * 60);
  const business: Record<string, number> = {
    [BUSINESS_METRIC.ridesCreated]: rides,
    [BUSINESS_METRIC.ridesCompleted]: Math.round(rides * 0.86),
    [BUSINESS_METRIC.ridesCancelled]: Math.round(rides * 0.09),
    [BUSINESS_METRIC.signUps]: Math.round(25 + noise(dayIndex + 7) * 15),
    [BUSINESS_METRIC.revenueCents]: rides * 2450,
    [BUSINESS_METRIC.activeDrivers]: 40 + Math.round(noise(dayIndex + 3) * 8),
    [BUSINESS_METRIC.liveSessions]: 900 + Math.round(noise(dayIndex + 5) * 100),
    [BUSINESS_METRIC.databaseBytes]: 850 * 1048576 + (dayIndex % 3650) * 2 * 1048576,
  };
  for (const [metric, value] of Object.entries(business)) {
    for (const stat of ["Maximum", "Sum", "SampleCount"])
      push(METRICS_NAMESPACE, metric, app, stat, at7 - (at7 % (period * 1000)), stat === "SampleCount" ? 1 : value);
  }
  const at2 = start + 2 * 3_600_000;
  push(
    METRICS_NAMESPACE,
    METRIC.backupSeconds,
    { Task: "backup" },
    "Maximum",
    at2 - (at2 % (period * 1000)),
    95 + Math.round(noise(dayIndex + 11) * 30),
  );
  return points;
}

/** The CloudWatch mock answering from `days` (day → points): ListMetrics, then GetMetricData per query. */
export function serveMetrics(cloudwatch: AwsClientStub<CloudWatchClient>, days: Map<string, ExportedPoint[]>): void {
  const key = (namespace: string, metric: string, dims: Record<string, string>) =>
    `${namespace}|${metric}|${JSON.stringify(Object.entries(dims).sort())}`;
  cloudwatch.on(ListMetricsCommand).callsFake((input: { Namespace?: string }) => {
    const seen = new Map<string, Metric>();
    for (const p of [...days.values()].flat()) {
      if (p.namespace !== input.Namespace) continue;
      seen.set(key(p.namespace, p.metric, p.dimensions), {
        Namespace: p.namespace,
        MetricName: p.metric,
        Dimensions: Object.entries(p.dimensions).map(([Name, Value]) => ({ Name, Value })),
      });
    }
    return { Metrics: [...seen.values()] };
  });
  const index = new Map<string, { t: number; p: ExportedPoint }[]>();
  for (const p of [...days.values()].flat()) {
    const k = `${key(p.namespace, p.metric, p.dimensions)}|${p.stat}`;
    if (!index.has(k)) index.set(k, []);
    index.get(k)!.push({ t: Date.parse(p.time), p });
  }
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const from = input.StartTime!.getTime();
    const to = input.EndTime!.getTime();
    return {
      MetricDataResults: input.MetricDataQueries!.map((q) => {
        const m = q.MetricStat!.Metric!;
        const wanted = key(
          m.Namespace!,
          m.MetricName!,
          Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name!, d.Value!])),
        );
        const hits = (index.get(`${wanted}|${q.MetricStat!.Stat}`) ?? [])
          .filter(({ t }) => t >= from && t < to)
          .map(({ p }) => p);
        return {
          Id: q.Id,
          Timestamps: hits.map((p) => new Date(p.time)),
          Values: hits.map((p) => p.value),
          StatusCode: "Complete",
        };
      }),
    };
  });
}
