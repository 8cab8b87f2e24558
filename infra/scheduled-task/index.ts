// ScheduledTask: a function of lambdas/handlers/ that runs on a schedule, with what makes it
// dependable. Read the constructor as the order things happen: the heartbeat rule first (a
// schedule whose period can't be told stops the program before any resource), where failed
// runs go, the function and its retries, who may invoke it, the schedule, then the alarms.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, Level } from "../../lambdas/core/contract";
import { AlarmTarget, deadLettersAlarm, errorsAlarm, heartbeatAlarm, LevelTopics, silenceText } from "../alarms";
import { taskRunbook } from "../runbooks";
import { PolicyStatement, policyDocument, serviceTrust } from "../storage/policies";
import { createTaskFunction, TaskFunction, TaskFunctionArgs } from "../task-function";
import { transform, type Transform } from "../transform";
import { heartbeatRule, HeartbeatRule } from "./heartbeat";

export interface ScheduledTaskArgs extends Omit<TaskFunctionArgs, "functionName" | "transform"> {
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
  /** The paging topics: every alarm of the task pages one level. */
  topics: LevelTopics;
  /** Level of each alarm. @default { errors: 2, deadLetters: 2, heartbeat: 2 } */
  levels?: Partial<Record<"errors" | "deadLetters" | "heartbeat", Level>>;
  /** Seconds after a missed run before the heartbeat pages. @default see defaultGraceSeconds */
  heartbeatGraceSeconds?: number;
  /** How an operator re-runs it by hand, quoted in the runbook. @example "npm run ops -- checklist run daily" */
  rerun?: string;
  /**
   * How often the scheduler retries a run it could not deliver, and for how long.
   * @default none within a minute for tasks that run every few minutes (stale by the next run), else 2 within an hour
   */
  deliveryRetries?: { attempts: number; maxAgeSeconds: number };
  /** Days an undeliverable or failed run stays in the dead-letter queue. @default 14 */
  deadLetterRetentionDays?: number;
  /**
   * How often Lambda retries a run that failed (the event-invoke config); after the last
   * attempt the run's event goes to the dead-letter queue, whose alarm pages.
   * @default 0 (tasks that change data or run long run once; the lists and the probe pass 1)
   */
  retries?: 0 | 1 | 2;
  /** Overrides of the underlying resources (SST-style `transform`). */
  transform?: TaskFunctionArgs["transform"] & {
    deadLetterQueue?: Transform<aws.sqs.QueueArgs>;
    schedulerRole?: Transform<aws.iam.RoleArgs>;
    schedule?: Transform<aws.scheduler.ScheduleArgs>;
    alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
    invokeConfig?: Transform<aws.lambda.FunctionEventInvokeConfigArgs>;
  };
}

/** What the stack file may set per scheduled function (`elegance-ops:functions`). */
export type TaskSettings = Pick<ScheduledTaskArgs, "timeout" | "retries" | "reservedConcurrency">;

/** A function's entry of the stack file as TaskSettings (seconds are Lambda's `timeout`). */
export const taskSettings = (
  s: { timeoutSeconds?: number; retries?: 0 | 1 | 2; reservedConcurrency?: number } | undefined,
): TaskSettings => ({
  ...(s?.timeoutSeconds !== undefined ? { timeout: s.timeoutSeconds } : {}),
  ...(s?.retries !== undefined ? { retries: s.retries } : {}),
  ...(s?.reservedConcurrency !== undefined ? { reservedConcurrency: s.reservedConcurrency } : {}),
});

const DELIVERY_RETRIES = { frequent: { attempts: 0, maxAgeSeconds: 60 }, normal: { attempts: 2, maxAgeSeconds: 3600 } };

/**
 * A function of lambdas/handlers/ run on a schedule, with what makes it dependable: its own
 * least-privilege role and 30-day log group (TaskFunction), an EventBridge Scheduler schedule in
 * the guide's time zone (DST-correct, no flexible window, retries, an encrypted dead-letter
 * queue, the stack's shared one when `deadLetters` is given), Lambda's own retries of a failed
 * run with the failed-runs queue as on-failure destination (a failed run is never dropped), and
 * its alarms: the function failed, the dead man's switch when the task silently stops running,
 * and (own queue only) a run is in the queue (undelivered, or failed after its retries).
 */
export class ScheduledTask extends pulumi.ComponentResource {
  readonly function: TaskFunction;
  readonly deadLetterQueue: aws.sqs.Queue;
  /** Where Lambda leaves a run failed after its retries: the stack's failed-runs queue, else this task's own queue. */
  readonly failedRunsQueue: aws.sqs.Queue;
  readonly schedulerRole: aws.iam.Role;
  readonly schedule: aws.scheduler.Schedule;
  /** Lambda's retries of a failed run, and where it goes after them (the dead-letter queue). */
  readonly invokeConfig: aws.lambda.FunctionEventInvokeConfig;
  readonly heartbeat: HeartbeatRule;
  readonly alarms: {
    errors: aws.cloudwatch.MetricAlarm;
    /** Only with a queue of its own: the stack's shared queue has one alarm for all tasks (DeadLetters). */
    deadLetters?: aws.cloudwatch.MetricAlarm;
    /** Tasks run daily or more often; the daily list's checklist-freshness watches longer periods. */
    heartbeat?: aws.cloudwatch.MetricAlarm;
  };
  /** Physical name shared by the function, the schedule and the `Task` metric dimension's value is `name`. */
  readonly physicalName: string;

  constructor(name: string, args: ScheduledTaskArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:scheduled-task:ScheduledTask", name, {}, opts);
    this.physicalName = `${args.app}-${name}`;
    // Validated first: a schedule whose period can't be told stops the program before any resource.
    this.heartbeat = heartbeatRule(args.schedule, args.heartbeatGraceSeconds);
    this.deadLetterQueue = args.deadLetters?.queue ?? this.createDeadLetterQueue(args);
    this.failedRunsQueue = args.deadLetters?.failedRuns ?? this.deadLetterQueue;
    this.function = this.createFunction(name, args);
    this.invokeConfig = this.createInvokeConfig(args);
    this.schedulerRole = this.createSchedulerRole(args);
    this.schedule = this.createSchedule(args);
    this.alarms = this.createAlarms(name, args);
    this.registerOutputs({ functionName: this.function.fn.name, scheduleName: this.schedule.name });
  }

  private createFunction(name: string, args: ScheduledTaskArgs): TaskFunction {
    const {
      app,
      schedule,
      timezone,
      description,
      topics,
      levels,
      heartbeatGraceSeconds,
      rerun,
      deliveryRetries,
      deadLetterRetentionDays,
      retries,
      ...fn
    } = args;
    // Lambda sends a failed run's event to the queue with the function's own role.
    const statements = pulumi
      .all([pulumi.output(fn.statements ?? []), this.failedRunsQueue.arn])
      .apply(([own, queueArn]) => [
        ...own,
        { Sid: "FailedRunsToQueue", Effect: "Allow" as const, Action: "sqs:SendMessage", Resource: queueArn },
      ]);
    return createTaskFunction(
      this.physicalName,
      {
        ...fn,
        statements,
        functionName: this.physicalName,
        environment: { [ENV.taskName]: name, [ENV.appName]: app, ...fn.environment },
      },
      this,
    );
  }

  /**
   * A failed run is retried `retries` times, then its event lands in the failed-runs queue for
   * replay; its page is the errors alarm's, at the task's level (the stack's failed-runs queue has none).
   */
  private createInvokeConfig(args: ScheduledTaskArgs): aws.lambda.FunctionEventInvokeConfig {
    const frequent = this.heartbeat.metric === "Heartbeat" && this.heartbeat.period < 3600;
    return new aws.lambda.FunctionEventInvokeConfig(
      ...transform(
        args.transform?.invokeConfig,
        `${this.physicalName}-invoke-config`,
        {
          functionName: this.function.fn.name,
          maximumRetryAttempts: args.retries ?? 0,
          // A probe's event is stale by the next run; a list's is worth an hour of retries.
          maximumEventAgeInSeconds: frequent ? 60 : 3600,
          destinationConfig: { onFailure: { destination: this.failedRunsQueue.arn } },
        },
        { parent: this, dependsOn: [this.function.policy] },
      ),
    );
  }

  private createDeadLetterQueue(args: ScheduledTaskArgs): aws.sqs.Queue {
    const days = args.deadLetterRetentionDays ?? 14;
    return new aws.sqs.Queue(
      ...transform(
        args.transform?.deadLetterQueue,
        `${this.physicalName}-dlq`,
        {
          name: `${this.physicalName}-dlq`,
          kmsMasterKeyId: args.kmsKeyArn,
          kmsDataKeyReusePeriodSeconds: 3600,
          messageRetentionSeconds: days * 86_400,
        },
        { parent: this },
      ),
    );
  }

  /** The scheduler may invoke this function and write to its DLQ; nothing else. */
  private createSchedulerRole(args: ScheduledTaskArgs): aws.iam.Role {
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const role = new aws.iam.Role(
      ...transform(
        args.transform?.schedulerRole,
        `${this.physicalName}-scheduler-role`,
        {
          assumeRolePolicy: account.apply(serviceTrust("scheduler.amazonaws.com")),
        },
        { parent: this },
      ),
    );
    new aws.iam.RolePolicy(
      `${this.physicalName}-scheduler-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([this.function.fn.arn, this.deadLetterQueue.arn, args.kmsKeyArn])
          .apply(([fnArn, dlqArn, keyArn]) =>
            policyDocument([
              { Sid: "InvokeTask", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fnArn },
              { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlqArn },
              {
                Sid: "EncryptDeadLetters",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: keyArn,
              },
            ] satisfies PolicyStatement[]),
          ),
      },
      { parent: this },
    );
    return role;
  }

  private createSchedule(args: ScheduledTaskArgs): aws.scheduler.Schedule {
    // A minute probe that can't be delivered is stale a minute later: no retry for it.
    const frequent = this.heartbeat.metric === "Heartbeat" && this.heartbeat.period < 3600;
    const retries = args.deliveryRetries ?? (frequent ? DELIVERY_RETRIES.frequent : DELIVERY_RETRIES.normal);
    return new aws.scheduler.Schedule(
      ...transform(
        args.transform?.schedule,
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
            retryPolicy: { maximumRetryAttempts: retries.attempts, maximumEventAgeInSeconds: retries.maxAgeSeconds },
            deadLetterConfig: { arn: this.deadLetterQueue.arn },
          },
        },
        { parent: this },
      ),
    );
  }

  private createAlarms(name: string, args: ScheduledTaskArgs) {
    const levels = { errors: 2, deadLetters: 2, heartbeat: 2, ...args.levels } as const;
    const runbook = taskRunbook({ name: this.physicalName, logGroup: this.function.logGroupName, rerun: args.rerun });
    const what = `${args.description} (${this.physicalName})`;
    const alarmTransform = args.transform?.alarm;
    const target: AlarmTarget = {
      topics: args.topics,
      opts: { parent: this, ...(alarmTransform ? { transformations: [alarmTransformation(alarmTransform)] } : {}) },
    };
    const page = (suffix: string, level: Level, problem: string) => ({
      name: `${this.physicalName}-${suffix}`,
      level,
      problem,
      runbook,
    });
    const rule = this.heartbeat;
    return {
      errors: errorsAlarm(
        target,
        page("errors", levels.errors, `${what} a échoué : erreur de la fonction Lambda.`),
        this.function.fn.name,
      ),
      ...(!args.deadLetters && {
        deadLetters: deadLettersAlarm(
          target,
          page(
            "dead-letters",
            levels.deadLetters,
            `${what} n'a pas pu être lancée, ou a échoué après ses nouvelles tentatives : messages dans sa file d'échecs (DLQ).`,
          ),
          this.deadLetterQueue.name,
        ),
      }),
      ...(rule.metric === "Heartbeat" && {
        heartbeat: heartbeatAlarm(
          target,
          page("heartbeat", levels.heartbeat, `${what} ne tourne plus : ${silenceText(rule, "(Invocations)")}.`),
          name,
          rule,
          this.function.fn.name,
        ),
      }),
    };
  }
}

/** A `transform` of the alarms as a Pulumi transformation (the alarms are made by the shared helpers). */
function alarmTransformation(override: Transform<aws.cloudwatch.MetricAlarmArgs>): pulumi.ResourceTransformation {
  return ({ type, name, props, opts }) => {
    if (type !== "aws:cloudwatch/metricAlarm:MetricAlarm") return undefined;
    const [, args, options] = transform(override, name, props as aws.cloudwatch.MetricAlarmArgs, opts);
    return { props: args, opts: options };
  };
}
