// Two queues for every scheduled task (a queue costs nothing idle): the dead letters, runs the
// scheduler could not deliver, which page through one alarm ($0.10 a month); and the failed runs,
// Lambda's events of runs that failed after their retries, kept for replay without a page of
// their own: the function's errors alarm already paged for that cause, at the task's level (one
// cause, one page). Each message names its function or schedule.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Level } from "../lambdas/core/contract";
import { deadLettersAlarm, type LevelTopics } from "./alarms";

export interface DeadLettersArgs {
  /** Prefixes the queue and the alarm. @example "elegance-mobilite" */
  app: string;
  topics: LevelTopics;
  kmsKeyArn: pulumi.Input<string>;
  /** Level of the page; each task's own errors or failed alarm pages at the task's level too. @default 2 */
  level?: Level;
  /** Days a message stays in the queue. @default 14 */
  retentionDays?: number;
}

/** The queues ScheduledTask and FargateTask send to when they are in their `deadLetters` (FunctionBase). */
export interface SharedDeadLetters {
  /** Runs the scheduler could not deliver: paged. */
  queue: aws.sqs.Queue;
  /** Lambda runs failed after their retries (on-failure destination): kept for replay, not paged. */
  failedRuns: aws.sqs.Queue;
}

export class DeadLetters extends pulumi.ComponentResource implements SharedDeadLetters {
  readonly queue: aws.sqs.Queue;
  readonly failedRuns: aws.sqs.Queue;
  readonly alarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: DeadLettersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:dead-letters:DeadLetters", name, {}, opts);
    const queue = (queueName: string) =>
      new aws.sqs.Queue(
        queueName,
        {
          name: queueName,
          kmsMasterKeyId: args.kmsKeyArn,
          kmsDataKeyReusePeriodSeconds: 3600,
          messageRetentionSeconds: (args.retentionDays ?? 14) * 86_400,
        },
        { parent: this },
      );
    this.queue = queue(`${args.app}-dead-letters`);
    this.failedRuns = queue(`${args.app}-failed-runs`);
    this.alarm = deadLettersAlarm(
      { topics: args.topics, opts: { parent: this } },
      deadLettersPage(args.app, args.level ?? 2),
      this.queue.name,
    );
    this.registerOutputs({ queueUrl: this.queue.url, failedRunsUrl: this.failedRuns.url });
  }
}

/** Which task a message is about: Lambda's on-failure record names its function, the scheduler's attributes its schedule. */
export const deadLettersPage = (app: string, level: Level) => ({
  name: `${app}-dead-letters`,
  level,
  problem:
    "Une tâche planifiée n'a pas pu être lancée par le planificateur : messages dans la file d'échecs commune (DLQ).",
  runbook: [
    `Console SQS › ${app}-dead-letters › Envoyer et recevoir › Interroger : lire les messages (sans les supprimer)`,
    "Attributs TARGET_ARN (la fonction ou la tâche), RULE_ARN (le planning), ERROR_CODE, ERROR_MESSAGE : pourquoi elle n'a pas été lancée (droits, quota, cible supprimée)",
    `Les exécutions échouées après leurs tentatives (déjà signalées par l'alarme d'erreurs de la tâche) sont dans ${app}-failed-runs : requestContext.functionArn, responsePayload`,
    `CloudWatch Logs /aws/lambda/<fonction> (ou /ecs/<tâche>) : l'erreur de l'exécution ; relancer la tâche à la main (npm run ops)`,
    "Purger la file une fois les messages traités : l'alarme repasse à OK",
  ],
});
