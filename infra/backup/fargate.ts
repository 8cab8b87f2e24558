// FargateTask: a handler of the backup image run as an ECS Fargate task instead of a Lambda, for a
// database past Lambda's 15 minutes. The same image and bundle (`node <handler>/index.js` runs the
// handler as a process), the same environment, the same least privilege, the same schedule, and
// the same alarms: a run that fails, exceeds its maximum time or never starts pages the task's level,
// and the heartbeat of a run that succeeded is the Lambda's (EMF in the task's log group).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, type Level } from "../../lambdas/core/contract";
import type { LevelTopics } from "../alarms";
import { heartbeatRule } from "../scheduled-task/heartbeat";
import { policyDocument, serviceTrust, type PolicyStatement } from "../storage/policies";
import { ownPolicy, type FunctionBase } from "../task-function";
import type { FargatePlacement } from "./fargate-network";
import { fargateAlarms, stoppedRule } from "./fargate-paging";

/** CPU, memory and disk of one task (backups.fargate; ECS's accepted pairs are checked by the config). */
export interface FargateSize {
  /** CPU units. @example 2048 */
  cpu: number;
  /** MiB. @example 8192 */
  memoryMb: number;
  /** GiB of ephemeral storage, 21 to 200. @example 100 */
  ephemeralStorageGb: number;
}

export interface FargateTaskArgs extends FunctionBase {
  app: string;
  /** The image's handler: `<handler>/index.js` in it. @example "backup" */
  handler: string;
  /** `<image repository>@sha256:…`, the same the Lambda would run. */
  imageUri: pulumi.Input<string>;
  /** The image's repository: the only one the execution role may pull from. */
  repositoryArn: pulumi.Input<string>;
  placement: FargatePlacement;
  size: FargateSize;
  /** Past this the process stops itself (exit 124), which pages. @example 240 */
  maxRunMinutes: number;
  /** EventBridge Scheduler expression, in `timezone`. @example "cron(0 2 * * ? *)" */
  schedule: string;
  timezone: string;
  /** What the task is, for pages. @example "le backup quotidien de la base (pg_dump vers S3)" */
  description: string;
  topics: LevelTopics;
  /** Level of its pages: failed or overran (`failed`), never delivered (`deadLetters`), silent (`heartbeat`). */
  levels: Record<"failed" | "deadLetters" | "heartbeat", Level>;
  heartbeatGraceSeconds?: number;
  /** How an operator re-runs it by hand. @example "npm run ops -- backup" */
  rerun?: string;
  /** Non-secret environment, as the Lambda's; secrets as Secrets Manager ARNs. */
  environment: Record<string, pulumi.Input<string>>;
  /** What the handler does in AWS (the Lambda role's statements). */
  statements: pulumi.Input<PolicyStatement[]>;
  secretArns?: pulumi.Input<string>[];
  /**
   * URN of the ScheduledTask this task takes over when a stack switches from lambda: its schedule,
   * queue, scheduler role and alarms (same physical names) are updated in place, not replaced.
   */
  replaces?: pulumi.Input<string>;
}

const ecsTrust = serviceTrust("ecs-tasks.amazonaws.com");

/** The execution role pulls this image and writes this log group; nothing else. */
export function executionStatements(repositoryArn: string, logGroupArn: string): PolicyStatement[] {
  return [
    // GetAuthorizationToken has no resource-level permission: "*" is the only resource it accepts.
    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PullBackupImage",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
      Resource: repositoryArn,
    },
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroupArn}:*`,
    },
  ];
}

export class FargateTask extends pulumi.ComponentResource {
  readonly physicalName: string;
  /** The Lambda runner's resources of the same names, moved here rather than replaced (see `replaces`). */
  readonly aliases?: pulumi.Alias[];
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly taskRole: aws.iam.Role;
  readonly executionRole: aws.iam.Role;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly schedule: aws.scheduler.Schedule;
  readonly stoppedRule: aws.cloudwatch.EventRule;
  readonly alarms: {
    failed: aws.cloudwatch.MetricAlarm;
    /** Only with a queue of its own: the stack's shared queue has one alarm for all tasks (DeadLetters). */
    deadLetters?: aws.cloudwatch.MetricAlarm;
    heartbeat?: aws.cloudwatch.MetricAlarm;
  };

  constructor(name: string, args: FargateTaskArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:backup:FargateTask", name, {}, opts);
    this.physicalName = `${args.app}-${name}`;
    this.aliases = args.replaces ? [{ parent: args.replaces }] : undefined;
    const heartbeat = heartbeatRule(args.schedule, args.heartbeatGraceSeconds);
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const region = aws.getRegionOutput({}, parent).region;
    const logGroupName = `/ecs/${this.physicalName}`;
    this.logGroup = args.logGroup(this.physicalName, logGroupName, parent);

    this.taskRole = new aws.iam.Role(
      `${this.physicalName}-task-role`,
      { assumeRolePolicy: account.apply(ecsTrust) },
      parent,
    );
    new aws.iam.RolePolicy(
      `${this.physicalName}-task-policy`,
      {
        role: this.taskRole.id,
        policy: ownPolicy(args),
      },
      parent,
    );
    this.executionRole = new aws.iam.Role(
      `${this.physicalName}-execution-role`,
      { assumeRolePolicy: account.apply(ecsTrust) },
      parent,
    );
    const executionPolicy = new aws.iam.RolePolicy(
      `${this.physicalName}-execution-policy`,
      {
        role: this.executionRole.id,
        policy: pulumi
          .all([args.repositoryArn, this.logGroup.arn])
          .apply(([repo, logs]) => policyDocument(executionStatements(repo, logs))),
      },
      parent,
    );

    const environment = {
      ...args.environment,
      [ENV.taskName]: name,
      [ENV.appName]: args.app,
      [ENV.maxRunSeconds]: String(args.maxRunMinutes * 60),
    };
    this.taskDefinition = new aws.ecs.TaskDefinition(
      this.physicalName,
      {
        family: this.physicalName,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.size.cpu),
        memory: String(args.size.memoryMb),
        ephemeralStorage: { sizeInGib: args.size.ephemeralStorageGb },
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" },
        taskRoleArn: this.taskRole.arn,
        executionRoleArn: this.executionRole.arn,
        containerDefinitions: pulumi
          .all([args.imageUri, pulumi.all(environment), this.logGroup.name, region])
          .apply(([image, env, group, awsRegion]) =>
            JSON.stringify([containerDefinition(args.handler, image, env, group, awsRegion)]),
          ),
        tags: { app: args.app, task: name },
      },
      { parent: this, dependsOn: [executionPolicy] },
    );

    this.deadLetterQueue =
      args.deadLetters?.queue ??
      new aws.sqs.Queue(
        `${this.physicalName}-dlq`,
        {
          name: `${this.physicalName}-dlq`,
          kmsMasterKeyId: args.kmsKeyArn,
          kmsDataKeyReusePeriodSeconds: 3600,
          messageRetentionSeconds: 14 * 86_400,
        },
        { parent: this, aliases: this.aliases },
      );
    this.schedule = this.createSchedule(args, account);
    this.stoppedRule = stoppedRule(this, args);
    this.alarms = fargateAlarms(this, name, args, heartbeat, logGroupName);
    this.registerOutputs({ taskDefinitionArn: this.taskDefinition.arn, scheduleName: this.schedule.name });
  }

  /** The scheduler may run this task definition in this cluster and pass its two roles; nothing else. */
  private createSchedule(args: FargateTaskArgs, account: pulumi.Output<string>): aws.scheduler.Schedule {
    const role = new aws.iam.Role(
      `${this.physicalName}-scheduler-role`,
      {
        assumeRolePolicy: account.apply(serviceTrust("scheduler.amazonaws.com")),
      },
      { parent: this, aliases: this.aliases },
    );
    const { placement } = args;
    const policy = new aws.iam.RolePolicy(
      `${this.physicalName}-scheduler-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([
            this.taskDefinition.arn,
            placement.clusterArn,
            this.taskRole.arn,
            this.executionRole.arn,
            this.deadLetterQueue.arn,
            args.kmsKeyArn,
          ])
          .apply(([taskDefinitionArn, clusterArn, taskRoleArn, executionRoleArn, dlqArn, keyArn]) =>
            policyDocument([
              {
                Sid: "RunTask",
                Effect: "Allow",
                Action: "ecs:RunTask",
                Resource: taskDefinitionArn,
                Condition: { ArnEquals: { "ecs:cluster": clusterArn } },
              },
              // The task's tags (propagated from the task definition) are set as it is created.
              {
                Sid: "TagTask",
                Effect: "Allow",
                Action: "ecs:TagResource",
                Resource: clusterArn.replace(":cluster/", ":task/") + "/*",
                Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
              },
              {
                Sid: "PassTaskRoles",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: [taskRoleArn, executionRoleArn],
                Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
              },
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
      { parent: this, aliases: this.aliases },
    );
    return new aws.scheduler.Schedule(
      `${this.physicalName}-schedule`,
      {
        name: this.physicalName,
        description: `elegance-ops: ${args.description} (ECS Fargate)`,
        scheduleExpression: args.schedule,
        scheduleExpressionTimezone: args.timezone,
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: placement.clusterArn,
          roleArn: role.arn,
          ecsParameters: {
            taskDefinitionArn: this.taskDefinition.arn,
            launchType: "FARGATE",
            // 1.4.0: ephemeral storage beyond 20 GB, 8 and 16 vCPU.
            platformVersion: "1.4.0",
            taskCount: 1,
            networkConfiguration: {
              subnets: placement.subnets,
              securityGroups: placement.securityGroupIds,
              assignPublicIp: placement.assignPublicIp,
            },
            propagateTags: "TASK_DEFINITION",
            enableEcsManagedTags: true,
          },
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
        },
      },
      { parent: this, dependsOn: [policy], aliases: this.aliases },
    );
  }
}

/** The one container: the image's bundle run by node as a plain process, as a non-root user. */
function containerDefinition(
  handler: string,
  image: string,
  env: Record<string, string>,
  logGroup: string,
  region: string,
) {
  return {
    name: handler,
    image,
    essential: true,
    // The image's entry point is Lambda's runtime interface; here node runs the same bundle.
    entryPoint: ["node"],
    command: [`/var/task/${handler}/index.js`],
    // PostgreSQL (the drill's scratch server) refuses root; the image's `postgres` user runs it.
    user: "postgres",
    environment: Object.keys(env)
      .sort()
      .map((name) => ({ name, value: env[name] })),
    linuxParameters: { initProcessEnabled: true },
    stopTimeout: 120,
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": handler },
    },
  };
}
