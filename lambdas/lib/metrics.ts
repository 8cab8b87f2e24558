// Metrics in CloudWatch Embedded Metric Format, written by Powertools Metrics to stdout (the
// Lambda's log group); CloudWatch extracts them without any API call. The alarms of infra/
// match on exact dimension sets, so Powertools' default `service` dimension is removed.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE } from "../contract";

/** EMF units used here; each is a value of Powertools' MetricUnit. */
export type Unit = Extract<(typeof MetricUnit)[keyof typeof MetricUnit], "Count" | "Milliseconds" | "Seconds" | "Bytes" | "Percent" | "None">;

export interface MetricsSink {
  /** One EMF record: these metrics, with exactly these dimensions. */
  emit(dimensions: Record<string, string>, metrics: Record<string, { value: number; unit: Unit }>): void;
}

export const emfMetrics = (namespace: string = METRICS_NAMESPACE): MetricsSink => ({
  emit(dimensions, values) {
    const metrics = new Metrics({ namespace });
    metrics.clearDefaultDimensions();
    for (const [name, value] of Object.entries(dimensions)) metrics.addDimension(name, value);
    for (const [name, { value, unit }] of Object.entries(values)) metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  },
});

/** For local runs whose stdout is for people (or --json): metrics are dropped. */
export const noMetrics: MetricsSink = { emit() {} };
