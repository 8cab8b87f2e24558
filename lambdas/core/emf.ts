// Metrics in CloudWatch Embedded Metric Format, written by Powertools Metrics to stdout (the
// Lambda's log group); CloudWatch extracts them without any API call. The alarms of infra/
// match on exact dimension sets, so Powertools' default `service` dimension is removed.
import { Metrics } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE } from "./contract";
import type { MetricsSink } from "./metrics";

export const emfMetrics = (namespace: string = METRICS_NAMESPACE): MetricsSink => ({
  emit(dimensions, values) {
    const metrics = new Metrics({ namespace });
    metrics.clearDefaultDimensions();
    for (const [name, value] of Object.entries(dimensions)) metrics.addDimension(name, value);
    for (const [name, { value, unit }] of Object.entries(values)) metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  },
});
