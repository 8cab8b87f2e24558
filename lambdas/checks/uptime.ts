// Weekly "Analyse des métriques": the week's availability of /api/health (the probe's Up
// metric, one sample a minute) and its p95 latency, from CloudWatch.
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Check } from "../core/check";
import { DIMENSION, METRIC, METRICS_NAMESPACE } from "../core/contract";

const WEEK_MS = 7 * 86_400_000;

export function uptimeCheck(cloudwatch: () => CloudWatchClient = () => new CloudWatchClient({})): Check {
  return {
    id: "uptime",
    title: "Analyse des métriques : disponibilité et latence p95 de la semaine",
    async run({ inputs, now, signal }) {
      const dimensions = [{ Name: DIMENSION.app, Value: inputs.appName }];
      const metric = (name: string) => ({ Namespace: METRICS_NAMESPACE, MetricName: name, Dimensions: dimensions });
      // One value for the whole week per query: period = the week.
      const period = WEEK_MS / 1000;
      const response = await cloudwatch().send(
        new GetMetricDataCommand({
          StartTime: new Date(now.getTime() - WEEK_MS),
          EndTime: now,
          MetricDataQueries: [
            { Id: "up", MetricStat: { Metric: metric(METRIC.up), Period: period, Stat: "Sum" } },
            { Id: "samples", MetricStat: { Metric: metric(METRIC.up), Period: period, Stat: "SampleCount" } },
            { Id: "p95", MetricStat: { Metric: metric(METRIC.latency), Period: period, Stat: "p95" } },
          ],
        }),
        { abortSignal: signal },
      );
      const value = (id: string) =>
        response.MetricDataResults?.find((r) => r.Id === id)?.Values?.reduce((a, b) => a + b, 0);
      const [upMinutes, samples, p95] = [value("up") ?? 0, value("samples") ?? 0, value("p95")];
      if (!samples) return { status: "fail", summary: "no probe data this week: the health probe is not running" };
      const availability = (100 * upMinutes) / samples;
      const details = {
        minutesProbed: samples,
        minutesUp: upMinutes,
        availabilityPercent: Number(availability.toFixed(3)),
        p95LatencyMs: p95,
        thresholds: inputs.uptime,
      };
      const metrics = { availabilityPercent: availability, ...(p95 !== undefined ? { p95LatencyMs: p95 } : {}) };
      const summary = `availability ${availability.toFixed(3)}% over ${samples} probed minutes, p95 ${p95 === undefined ? "n/a" : `${Math.round(p95)} ms`}`;
      if (availability < inputs.uptime.failBelowPercent)
        return { status: "fail", summary: `${summary} (below ${inputs.uptime.failBelowPercent}%)`, details, metrics };
      if (availability < inputs.uptime.warnBelowPercent)
        return { status: "warn", summary: `${summary} (below ${inputs.uptime.warnBelowPercent}%)`, details, metrics };
      if (p95 !== undefined && p95 > inputs.p95LatencyMs)
        return { status: "warn", summary: `${summary} (p95 above ${inputs.p95LatencyMs} ms)`, details, metrics };
      return { status: "ok", summary, details, metrics };
    },
  };
}
