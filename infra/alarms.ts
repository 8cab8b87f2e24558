// Every alarm of the stack goes through `levelAlarm`: it pages exactly one incident level's
// topic (on ALARM and back to OK), and its description says the level, the response time, what
// is wrong and the runbook, which CloudWatch puts in every notification. The presets below are
// the shapes the stack uses, so a call site is one line: its name, level, what and runbook.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DIMENSION, LEVELS, Level, METRIC, METRICS_NAMESPACE } from "../lambdas/core/contract";
import type { HeartbeatAlarmRule } from "./scheduled-task/heartbeat";

/** The paging topic of each incident level (see Paging). */
export type LevelTopics = Record<Level, aws.sns.Topic>;

/** What every alarm says: its physical (and logical) name, its level, what is wrong, what to do. */
export interface AlarmPage {
  /** Physical name, also the logical name; database alarms start with `<app>-database-` (the DBA's pages filter on it). */
  name: string;
  level: Level;
  /** What is wrong, in one sentence. */
  problem: string;
  runbook: string[];
}

export type LevelAlarmArgs = AlarmPage &
  Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "alarmDescription" | "name">;

/** Where an alarm pages, and the resource options of the alarm (its parent, transforms). */
export interface AlarmTarget {
  topics: LevelTopics;
  opts?: pulumi.CustomResourceOptions;
}

const DESCRIPTION_LIMIT = 1024;

export function alarmDescription(level: Level, problem: string, runbook: string[]): string {
  const info = LEVELS[level];
  const head = `${info.name}, réponse ${info.responseTime} (${info.impact}). ${problem}`;
  let text = `${head}\nRunbook:`;
  for (const [i, step] of runbook.entries()) {
    const line = `\n${i + 1}. ${step}`;
    if (text.length + line.length > DESCRIPTION_LIMIT) break;
    text += line;
  }
  return text;
}

export function levelAlarm(target: AlarmTarget, args: LevelAlarmArgs): aws.cloudwatch.MetricAlarm {
  const { level, problem, runbook, ...alarm } = args;
  const topic = target.topics[level].arn;
  return new aws.cloudwatch.MetricAlarm(
    args.name,
    {
      ...alarm,
      alarmDescription: alarmDescription(level, problem, runbook),
      alarmActions: [topic],
      okActions: [topic],
    },
    target.opts,
  );
}

/** A metric of the stack's own namespace. */
export const stackMetric = (metricName: string, dimensions: Record<string, pulumi.Input<string>>) => ({
  namespace: METRICS_NAMESPACE,
  metricName,
  dimensions,
});

type Metric = Pick<aws.cloudwatch.MetricAlarmArgs, "namespace" | "metricName" | "dimensions">;

/** The function failed at least once in 5 minutes: the alarm every function of the stack has. */
export const errorsAlarm = (target: AlarmTarget, page: AlarmPage, functionName: pulumi.Input<string>) =>
  burstAlarm(
    target,
    page,
    { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: functionName } },
    1,
  );

/** A message in a dead-letter queue: a run that could not be started, or failed after its retries. */
export const deadLettersAlarm = (target: AlarmTarget, page: AlarmPage, queueName: pulumi.Input<string>) =>
  levelAlarm(target, {
    ...page,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queueName },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
  });

/** At least `threshold` (a sum) in 5 minutes; no data is no event. */
export const burstAlarm = (target: AlarmTarget, page: AlarmPage, metric: Metric, threshold: number) =>
  levelAlarm(target, {
    ...page,
    ...metric,
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
  });

/**
 * p95 above `thresholdMs` for `periods` periods in a row. No data is not slowness (no traffic):
 * an app that stopped answering is the health probe's level-3 alarm.
 */
export const p95Alarm = (
  target: AlarmTarget,
  page: AlarmPage,
  metric: Metric,
  thresholdMs: number,
  shape: { period: number; periods: number },
) =>
  levelAlarm(target, {
    ...page,
    ...metric,
    extendedStatistic: "p95",
    period: shape.period,
    evaluationPeriods: shape.periods,
    datapointsToAlarm: shape.periods,
    threshold: thresholdMs,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  });

/**
 * The task did not run: silence counts as missing, since no data is no proof of life. A Lambda's
 * proof is AWS/Lambda's own `Invocations` (free; a failed run pages through errors and dead
 * letters), so it emits no `Heartbeat` ($0.30 a series); a task run elsewhere (Fargate) does.
 */
export const heartbeatAlarm = (
  target: AlarmTarget,
  page: AlarmPage,
  task: string,
  shape: HeartbeatAlarmRule,
  functionName?: pulumi.Input<string>,
) =>
  levelAlarm(target, {
    ...page,
    ...(functionName
      ? { namespace: "AWS/Lambda", metricName: "Invocations", dimensions: { FunctionName: functionName } }
      : stackMetric(METRIC.heartbeat, { [DIMENSION.task]: task })),
    period: shape.period,
    evaluationPeriods: shape.evaluationPeriods,
    datapointsToAlarm: shape.evaluationPeriods,
    treatMissingData: "breaching",
    statistic: "Sum",
    threshold: 1,
    comparisonOperator: "LessThanThreshold",
  });

/** What a heartbeat alarm's page says is silent. */
export const silenceText = (rule: HeartbeatAlarmRule, proof: string) =>
  `aucune exécution ${proof} depuis ${(rule.period * rule.evaluationPeriods) / 60} min`;
