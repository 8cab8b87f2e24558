// Every alarm of the stack goes through `levelAlarm`: it pages exactly one incident level's
// topic (on ALARM and back to OK), and its description says the level, the response time, what
// is wrong and the runbook, which CloudWatch puts in every notification.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LEVELS, Level } from "../lambdas/core/contract";

/** The paging topic of each incident level (see Paging). */
export type LevelTopics = Record<Level, aws.sns.Topic>;

export interface LevelAlarmArgs extends Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "alarmDescription" | "name"> {
  /** Physical name; database alarms start with `<app>-database-` (the DBA's pages filter on it). */
  name: string;
  level: Level;
  /** What is wrong, in one sentence. */
  problem: string;
  runbook: string[];
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

export function levelAlarm(logicalName: string, topics: LevelTopics, args: LevelAlarmArgs, opts?: pulumi.CustomResourceOptions): aws.cloudwatch.MetricAlarm {
  const { level, problem, runbook, ...alarm } = args;
  const topic = topics[level].arn;
  return new aws.cloudwatch.MetricAlarm(
    logicalName,
    { ...alarm, alarmDescription: alarmDescription(level, problem, runbook), alarmActions: [topic], okActions: [topic] },
    opts,
  );
}

/** The function failed at least once in 5 minutes: the alarm every function of the stack has. */
export function functionErrorsAlarm(
  name: string,
  topics: LevelTopics,
  args: { functionName: pulumi.Input<string>; level: Level; problem: string; runbook: string[] },
  opts?: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  return levelAlarm(
    name,
    topics,
    {
      name,
      level: args.level,
      problem: args.problem,
      runbook: args.runbook,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: args.functionName },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    },
    opts,
  );
}
