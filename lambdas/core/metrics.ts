// Where checks and tasks send their metrics: a sink, so the Lambdas write EMF (core/emf.ts)
// while the CLI and tests drop or collect them. Every scheduled task's heartbeat goes through
// `heartbeat`, the one shape its dead man's switch alarm (infra/scheduled-task) matches.
import { DIMENSION, METRIC } from "./contract";

/** EMF units used here (values of Powertools' MetricUnit). */
export type Unit = "Count" | "Milliseconds" | "Seconds" | "Bytes" | "Percent" | "None";

export interface MetricsSink {
  /** One EMF record: these metrics, with exactly these dimensions. */
  emit(dimensions: Record<string, string>, metrics: Record<string, { value: number; unit: Unit }>): void;
}

/** For local runs whose stdout is for people (or --json): metrics are dropped. */
export const noMetrics: MetricsSink = { emit() {} };

/** "This task ran" (dimension Task), with any other metrics of the same run. */
export function heartbeat(
  metrics: MetricsSink,
  taskName: string,
  others: Record<string, { value: number; unit: Unit }> = {},
): void {
  metrics.emit({ [DIMENSION.task]: taskName }, { [METRIC.heartbeat]: { value: 1, unit: "Count" }, ...others });
}
