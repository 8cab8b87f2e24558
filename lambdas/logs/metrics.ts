// What a delivery says about the app, as EMF metrics with dimension App: error-level lines,
// requests answered 5xx (each request once), and request durations for the p95 alarm.
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DIMENSION, METRIC, METRICS_NAMESPACE } from "../core/contract";
import type { MetricsSink } from "../core/metrics";
import { classify, DrainEntry, durationMs, is5xx, isErrorLine, requestKey } from "./drain";

export interface DeliveryStats {
  entries: number;
  app: number;
  access: number;
  errorLines: number;
  http5xxResponses: number;
  durationsMs: number[];
}

export function deliveryStats(entries: DrainEntry[]): DeliveryStats {
  const failedRequests = new Set<string>();
  const stats: DeliveryStats = {
    entries: entries.length,
    app: 0,
    access: 0,
    errorLines: 0,
    http5xxResponses: 0,
    durationsMs: [],
  };
  for (const entry of entries) {
    stats[classify(entry.value)] += 1;
    if (isErrorLine(entry.value)) stats.errorLines += 1;
    if (is5xx(entry.value)) failedRequests.add(requestKey(entry));
    const ms = durationMs(entry.value);
    if (ms !== undefined) stats.durationsMs.push(ms);
  }
  stats.http5xxResponses = failedRequests.size;
  return stats;
}

// EMF holds at most 100 values of a metric per record; Powertools flushes by itself at 100 and
// then forgets the dimensions, so each record is built whole here.
const VALUES_PER_RECORD = 100;

/** The counts through the shared sink; the durations as EMF value arrays (CloudWatch computes p95 from them). */
export function emitDeliveryMetrics(
  sink: MetricsSink,
  app: string,
  stats: DeliveryStats,
  namespace: string = METRICS_NAMESPACE,
): void {
  const dimensions = { [DIMENSION.app]: app };
  // Counts go out only when not zero: CloudWatch bills a metric by the hours it is sent in, and
  // their alarms read silence as none (burstAlarm, notBreaching); the dashboard sums what came.
  const counts = { [METRIC.logErrorLines]: stats.errorLines, [METRIC.http5xxResponses]: stats.http5xxResponses };
  const nonZero = Object.entries(counts).filter(([, value]) => value > 0);
  if (nonZero.length)
    sink.emit(
      dimensions,
      Object.fromEntries(nonZero.map(([name, value]) => [name, { value, unit: "Count" as const }])),
    );
  for (let i = 0; i < stats.durationsMs.length; i += VALUES_PER_RECORD) {
    const metrics = new Metrics({ namespace });
    metrics.clearDefaultDimensions();
    metrics.addDimension(DIMENSION.app, app);
    for (const ms of stats.durationsMs.slice(i, i + VALUES_PER_RECORD))
      metrics.addMetric(METRIC.requestDuration, "Milliseconds", ms);
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
