// How a backup task on Fargate pages: an EventBridge rule on `ECS Task State Change` (our family,
// STOPPED with a non-zero exit, past its maximum time, or never started) whose matches are kept in a
// log group and counted by the rule's TriggeredRules metric, alarmed at the task's level; the
// Lambda's heartbeat alarm, unchanged; a dead-letter alarm only without the stack's shared queue.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Level } from "../../lambdas/core/contract";
import { AlarmTarget, burstAlarm, deadLettersAlarm, heartbeatAlarm, silenceText } from "../alarms";
import type { heartbeatRule } from "../scheduled-task/heartbeat";
import { policyDocument } from "../storage/policies";
import type { FargateTaskArgs } from "./fargate";

/** What of a FargateTask its paging needs. */
export interface FargateTaskParts extends pulumi.Resource {
  physicalName: string;
  taskDefinition: aws.ecs.TaskDefinition;
  deadLetterQueue: aws.sqs.Queue;
  aliases?: pulumi.Alias[];
}

/** A task that stopped with a non-zero exit, or for another reason than its container ending. */
export function stoppedPattern(clusterArn: string, taskDefinitionArn: string): string {
  const family = taskDefinitionArn.replace(/:\d+$/, ":");
  return JSON.stringify({
    source: ["aws.ecs"],
    "detail-type": ["ECS Task State Change"],
    detail: {
      clusterArn: [clusterArn],
      lastStatus: ["STOPPED"],
      taskDefinitionArn: [{ prefix: family }],
      $or: [
        { containers: { exitCode: [{ "anything-but": 0 }] } },
        { stopCode: [{ "anything-but": "EssentialContainerExited" }] },
      ],
    },
  });
}

/** ECS Task State Change of our family, STOPPED badly; its matches are kept in a log group for the runbook. */
export function stoppedRule(task: FargateTaskParts, args: FargateTaskArgs): aws.cloudwatch.EventRule {
  const name = `${task.physicalName}-stopped`;
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name,
      description: `elegance-ops: ${args.description} s'est arrêtée en échec (code de sortie non nul, durée maximale dépassée ou tâche non démarrée)`,
      eventPattern: pulumi
        .all([args.placement.clusterArn, task.taskDefinition.arn])
        .apply(([cluster, td]) => stoppedPattern(cluster, td)),
    },
    { parent: task },
  );
  const events = args.logGroup(name, `/aws/events/${name}`, { parent: task });
  const access = new aws.cloudwatch.LogResourcePolicy(
    name,
    {
      policyName: name,
      policyDocument: events.arn.apply((arn) =>
        policyDocument([
          {
            Sid: "EventBridgeWrites",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${arn}:*`,
          },
        ]),
      ),
    },
    { parent: task },
  );
  new aws.cloudwatch.EventTarget(name, { rule: rule.name, arn: events.arn }, { parent: task, dependsOn: [access] });
  return rule;
}

export function fargateAlarms(
  task: FargateTaskParts & { stoppedRule: aws.cloudwatch.EventRule },
  name: string,
  args: FargateTaskArgs,
  heartbeat: ReturnType<typeof heartbeatRule>,
  logGroupName: string,
) {
  const what = `${args.description} (${task.physicalName}, tâche ECS Fargate)`;
  const runbook = [
    `CloudWatch Logs /aws/events/${task.physicalName}-stopped : l'événement de la tâche arrêtée (stopCode, stoppedReason, exitCode)`,
    `CloudWatch Logs ${logGroupName} : la sortie de la dernière exécution et son erreur`,
    `Code 124 : durée maximale (${args.maxRunMinutes} min, backups.fargate.maxRunMinutes) dépassée ; TaskFailedToStart : sous-réseaux, image ou rôle d'exécution`,
    `File des échecs (DLQ) ${args.deadLetters ? `commune ${args.app}-dead-letters` : `${task.physicalName}-dlq`} : les lancements que le planificateur n'a pas pu faire (RunTask refusé)`,
    ...(args.rerun ? [`Relancer à la main : ${args.rerun}`] : []),
  ];
  const target: AlarmTarget = { topics: args.topics, opts: { parent: task, aliases: task.aliases } };
  const page = (suffix: string, level: Level, problem: string) => ({
    name: `${task.physicalName}-${suffix}`,
    level,
    problem,
    runbook,
  });
  return {
    failed: burstAlarm(
      target,
      page(
        "failed",
        args.levels.failed,
        `${what} a échoué : arrêtée avec un code non nul, après sa durée maximale, ou jamais démarrée.`,
      ),
      { namespace: "AWS/Events", metricName: "TriggeredRules", dimensions: { RuleName: task.stoppedRule.name } },
      1,
    ),
    ...(!args.deadLetters && {
      deadLetters: deadLettersAlarm(
        target,
        page(
          "dead-letters",
          args.levels.deadLetters,
          `${what} n'a pas pu être lancée : messages dans sa file d'échecs (DLQ).`,
        ),
        task.deadLetterQueue.name,
      ),
    }),
    // Longer periods: the daily list's checklist-freshness pages instead (infra/scheduled-task/heartbeat.ts).
    ...(heartbeat.metric === "Heartbeat" && {
      heartbeat: heartbeatAlarm(
        target,
        page("heartbeat", args.levels.heartbeat, `${what} ne tourne plus : ${silenceText(heartbeat, "réussie")}.`),
        name,
        heartbeat,
      ),
    }),
  };
}
