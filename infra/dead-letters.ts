// One dead-letter queue and one alarm for every scheduled task (an alarm is $0.10 a month, a
// queue nothing idle): each failed or undelivered run's message names its function or schedule,
// so one queue loses nothing of which task failed.
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

/** The queue ScheduledTask and FargateTask send to when it is in their `deadLetters` (FunctionBase). */
export interface SharedDeadLetters {
  queue: aws.sqs.Queue;
}

export class DeadLetters extends pulumi.ComponentResource implements SharedDeadLetters {
  readonly queue: aws.sqs.Queue;
  readonly alarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: DeadLettersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:dead-letters:DeadLetters", name, {}, opts);
    const queueName = `${args.app}-dead-letters`;
    this.queue = new aws.sqs.Queue(
      queueName,
      {
        name: queueName,
        kmsMasterKeyId: args.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 3600,
        messageRetentionSeconds: (args.retentionDays ?? 14) * 86_400,
      },
      { parent: this },
    );
    this.alarm = deadLettersAlarm(
      { topics: args.topics, opts: { parent: this } },
      deadLettersPage(args.app, args.level ?? 2),
      this.queue.name,
    );
    this.registerOutputs({ queueUrl: this.queue.url });
  }
}

/** Which task a message is about: Lambda's on-failure record names its function, the scheduler's attributes its schedule. */
export const deadLettersPage = (app: string, level: Level) => ({
  name: `${app}-dead-letters`,
  level,
  problem:
    "Une tâche planifiée n'a pas pu être lancée, ou a échoué après ses nouvelles tentatives : messages dans la file d'échecs commune (DLQ).",
  runbook: [
    `Console SQS › ${app}-dead-letters › Envoyer et recevoir › Interroger : lire les messages (sans les supprimer)`,
    "Échec après tentatives (Lambda) : corps JSON, requestContext.functionArn nomme la fonction, responsePayload son erreur",
    "Jamais lancée (planificateur) : attributs TARGET_ARN (la fonction ou la tâche), RULE_ARN (le planning), ERROR_CODE, ERROR_MESSAGE",
    `CloudWatch Logs /aws/lambda/<fonction> (ou /ecs/<tâche>) : l'erreur de l'exécution ; relancer la tâche à la main (npm run ops)`,
    "Purger la file une fois les messages traités : l'alarme repasse à OK",
  ],
});
