import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DIMENSION, ENV, Level, METRIC, METRICS_NAMESPACE } from "../../lambdas/core/contract";
import { functionErrorsAlarm, LevelTopics, levelAlarm } from "../alarms";
import { taskRunbook } from "../runbooks";
import type { Storage } from "../storage";
import { PolicyStatement, policyDocument } from "../storage/policies";
import { createTaskFunction, TaskFunction, TaskFunctionArgs } from "../task-function";
import { heartbeatRule, HeartbeatRule } from "./heartbeat";

export interface ScheduledTaskArgs extends Omit<TaskFunctionArgs, "functionName" | "storage"> {
  /** The app's name: prefixes the function, schedule and alarms. @example "elegance-mobilite" */
  app: string;
  /**
   * When it runs, in EventBridge Scheduler syntax, in `timezone`.
   * @example "cron(0 7 * * ? *)"
   */
  schedule: string;
  /** IANA zone the cron is read in; DST handled by the scheduler. @example "Europe/Paris" */
  timezone: string;
  /** What the task is, for descriptions and pages. @example "la check-list quotidienne" */
  description: string;
  storage: Storage;
  /** The paging topics: every alarm of the task pages one level. */
  topics: LevelTopics;
  /** Level of each alarm. @default { errors: 2, deadLetters: 2, heartbeat: 2 } */
  levels?: Partial<Record<"errors" | "deadLetters" | "heartbeat", Level>>;
  /** Seconds after a missed run before the heartbeat pages. @default see defaultGraceSeconds */
  heartbeatGraceSeconds?: number;
  /** How an operator re-runs it by hand, quoted in the runbook. @example "npm run ops -- checklist run daily" */
  rerun?: string;
}

const RETRIES = { short: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 }, normal: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 } };

/**
 * A function of lambdas/handlers/ run on a schedule, with what makes it dependable: its own
 * least-privilege role and 30-day log group (TaskFunction), an EventBridge Scheduler schedule in
 * the guide's time zone (DST-correct, no flexible window, retries, an encrypted dead-letter
 * queue), and three alarms: the function failed, an invocation could not be delivered, and
 * the dead man's switch when the task silently stops running.
 */
export class ScheduledTask extends pulumi.ComponentResource {
  readonly function: TaskFunction;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly schedulerRole: aws.iam.Role;
  readonly schedule: aws.scheduler.Schedule;
  readonly heartbeat: HeartbeatRule;
  readonly alarms: { errors: aws.cloudwatch.MetricAlarm; deadLetters: aws.cloudwatch.MetricAlarm; heartbeat: aws.cloudwatch.MetricAlarm };
  /** Physical name shared by the function, the schedule and the `Task` metric dimension's value is `name`. */
  readonly physicalName: string;

  constructor(name: string, args: ScheduledTaskArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:scheduled-task:ScheduledTask", name, {}, opts);
    this.physicalName = `${args.app}-${name}`;
    // Validated first: a schedule whose period can't be told stops the program before any resource.
    this.heartbeat = heartbeatRule(args.schedule, args.heartbeatGraceSeconds);
    this.function = this.createFunction(name, args);
    this.deadLetterQueue = this.createDeadLetterQueue(args);
    this.schedulerRole = this.createSchedulerRole(args);
    this.schedule = this.createSchedule(args);
    this.alarms = this.createAlarms(name, args);
    this.registerOutputs({ functionName: this.function.fn.name, scheduleName: this.schedule.name });
  }

  private createFunction(name: string, args: ScheduledTaskArgs): TaskFunction {
    const { app, schedule, timezone, description, topics, levels, heartbeatGraceSeconds, rerun, ...fn } = args;
    return createTaskFunction(
      this.physicalName,
      { ...fn, functionName: this.physicalName, environment: { [ENV.taskName]: name, [ENV.appName]: app, ...fn.environment } },
      this,
    );
  }

  private createDeadLetterQueue(args: ScheduledTaskArgs): aws.sqs.Queue {
    return new aws.sqs.Queue(
      `${this.physicalName}-dlq`,
      { name: `${this.physicalName}-dlq`, kmsMasterKeyId: args.storage.key.arn, kmsDataKeyReusePeriodSeconds: 3600, messageRetentionSeconds: 14 * 86_400 },
      { parent: this },
    );
  }

  /** The scheduler may invoke this function and write to its DLQ; nothing else. */
  private createSchedulerRole(args: ScheduledTaskArgs): aws.iam.Role {
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const role = new aws.iam.Role(
      `${this.physicalName}-scheduler-role`,
      {
        assumeRolePolicy: account.apply((accountId) =>
          policyDocument([
            { Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": accountId } } },
          ]),
        ),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${this.physicalName}-scheduler-policy`,
      {
        role: role.id,
        policy: pulumi.all([this.function.fn.arn, this.deadLetterQueue.arn, args.storage.key.arn]).apply(([fnArn, dlqArn, keyArn]) =>
          policyDocument([
            { Sid: "InvokeTask", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fnArn },
            { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlqArn },
            { Sid: "EncryptDeadLetters", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn },
          ] satisfies PolicyStatement[]),
        ),
      },
      { parent: this },
    );
    return role;
  }

  private createSchedule(args: ScheduledTaskArgs): aws.scheduler.Schedule {
    // A minute probe that can't be delivered is stale a minute later: no retry for it.
    const retryPolicy = this.heartbeat.metric === "Heartbeat" && this.heartbeat.period < 3600 ? RETRIES.short : RETRIES.normal;
    return new aws.scheduler.Schedule(
      `${this.physicalName}-schedule`,
      {
        name: this.physicalName,
        description: `elegance-ops: ${args.description}`,
        scheduleExpression: args.schedule,
        scheduleExpressionTimezone: args.timezone,
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: this.function.fn.arn,
          roleArn: this.schedulerRole.arn,
          retryPolicy,
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
        },
      },
      { parent: this },
    );
  }

  private createAlarms(name: string, args: ScheduledTaskArgs) {
    const levels = { errors: 2, deadLetters: 2, heartbeat: 2, ...args.levels } as const;
    const runbook = taskRunbook({ name: this.physicalName, logGroup: this.function.logGroupName, rerun: args.rerun });
    const alarm = (suffix: string, level: Level, problem: string, metric: Omit<Parameters<typeof levelAlarm>[2], "name" | "level" | "problem" | "runbook">) =>
      levelAlarm(`${this.physicalName}-${suffix}`, args.topics, { name: `${this.physicalName}-${suffix}`, level, problem, runbook, ...metric }, { parent: this });

    const errors = functionErrorsAlarm(
      `${this.physicalName}-errors`,
      args.topics,
      { functionName: this.function.fn.name, level: levels.errors, problem: `${args.description} (${this.physicalName}) a échoué : erreur de la fonction Lambda.`, runbook },
      { parent: this },
    );
    const deadLetters = alarm("dead-letters", levels.deadLetters, `${args.description} (${this.physicalName}) n'a pas pu être lancée : messages dans sa file d'échecs (DLQ).`, {
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: this.deadLetterQueue.name },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
    const rule = this.heartbeat;
    const heartbeat =
      rule.metric === "Heartbeat"
        ? alarm("heartbeat", levels.heartbeat, `${args.description} (${this.physicalName}) ne tourne plus : aucune exécution réussie depuis ${(rule.period * rule.evaluationPeriods) / 60} min.`, {
            namespace: METRICS_NAMESPACE,
            metricName: METRIC.heartbeat,
            dimensions: { [DIMENSION.task]: name },
            statistic: "Sum",
            period: rule.period,
            evaluationPeriods: rule.evaluationPeriods,
            datapointsToAlarm: rule.evaluationPeriods,
            threshold: 1,
            comparisonOperator: "LessThanThreshold",
            treatMissingData: "breaching",
          })
        : alarm("heartbeat", levels.heartbeat, `${args.description} (${this.physicalName}) ne tourne plus : dernière exécution il y a plus de ${rule.thresholdHours} h (mesuré chaque jour par la check-list quotidienne).`, {
            namespace: METRICS_NAMESPACE,
            metricName: METRIC.hoursSinceLastRun,
            dimensions: { [DIMENSION.task]: name },
            statistic: "Maximum",
            period: rule.period,
            evaluationPeriods: rule.evaluationPeriods,
            datapointsToAlarm: rule.evaluationPeriods,
            threshold: rule.thresholdHours,
            comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "breaching",
          });
    return { errors, deadLetters, heartbeat };
  }
}
