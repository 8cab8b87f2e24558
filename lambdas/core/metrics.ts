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

/**
 * "This task ran" (dimension Task), with any other metrics of the same run. In Lambda the alarm
 * reads AWS/Lambda's free Invocations instead, so `Heartbeat` (a paid series) is only emitted
 * by a task run as a process (Fargate), whose alarm reads it.
 */
export function heartbeat(
  metrics: MetricsSink,
  taskName: string,
  others: Record<string, { value: number; unit: Unit }> = {},
  inLambda = !!process.env.AWS_LAMBDA_FUNCTION_NAME,
): void {
  const all = inLambda ? others : { [METRIC.heartbeat]: { value: 1, unit: "Count" as const }, ...others };
  if (Object.keys(all).length) metrics.emit({ [DIMENSION.task]: taskName }, all);
}
