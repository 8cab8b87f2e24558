// "Gestion des incidents" and "Contacts d'urgence": one SNS topic per incident level (1 < 4 h,
// 2 < 1 h, 3 < 15 min), encrypted with the stack's key, and the contacts' e-mails subscribed to
// the levels the config gives their role (texts: infra/sms.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, LEVELS, Level } from "../lambdas/core/contract";
import { errorsAlarm, LevelTopics } from "./alarms";
import type { StackConfig } from "./config";
import { policyDocument } from "./storage/policies";
import { createTaskFunction, type FunctionBase, TaskFunction } from "./task-function";

export interface PagingArgs {
  /**
   * Who is on call: name, role, and (secrets) e-mail and phone.
   * @example [{ name: "Camille Martin", role: "lead-dev", email: secret, phone: secret }]
   */
  contacts: StackConfig["contacts"];
  /**
   * Which roles each level reaches, by e-mail and by SMS; `databaseLevel2` roles also get the
   * level-2 pages about the database.
   * @example { level1: { email: ["lead-dev", "dba", "devops"], sms: [] }, ..., databaseLevel2: ["dba"] }
   */
  routes: StackConfig["paging"];
  /** The stack's key encrypts the topics; the forwarder's log group is made like every function's. */
  base: FunctionBase;
  /** When set, every page is also forwarded to PagerDuty with the routing key in this secret. */
  pagerdutyRoutingKeySecretArn?: pulumi.Input<string>;
}

export const LEVEL_NUMBERS: readonly Level[] = [1, 2, 3];
type Channel = "email";

/** Prefix of the alarms about the database: the DBA's level-2 subscriptions match on it. */
export const databaseAlarmPrefix = (app: string) => `${app}-database-`;

export class Paging extends pulumi.ComponentResource {
  readonly topics: LevelTopics;
  readonly subscriptions: aws.sns.TopicSubscription[] = [];
  /** The PagerDuty forwarder, when configured. */
  readonly pagerduty?: TaskFunction;
  private readonly name: string;

  constructor(name: string, args: PagingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:paging:Paging", name, {}, opts);
    this.name = name;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    this.topics = Object.fromEntries(
      LEVEL_NUMBERS.map((level) => [level, this.createTopic(level, args.base.kmsKeyArn, account)]),
    ) as LevelTopics;
    this.subscribeContacts(args);
    if (args.pagerdutyRoutingKeySecretArn)
      this.pagerduty = this.createPagerDutyForwarder(args.base, args.pagerdutyRoutingKeySecretArn);
    this.registerOutputs({ topicArns: this.topicArns() });
  }

  /** `{"1": arn, "2": arn, "3": arn}`: the INCIDENT_TOPICS the check-lists publish to. */
  topicArns(): pulumi.Output<Record<string, string>> {
    return pulumi
      .all(LEVEL_NUMBERS.map((l) => this.topics[l].arn))
      .apply((arns) => Object.fromEntries(arns.map((arn, i) => [String(LEVEL_NUMBERS[i]), arn])));
  }

  private createTopic(level: Level, kmsKeyArn: pulumi.Input<string>, account: pulumi.Output<string>): aws.sns.Topic {
    const topicName = `${this.name}-incidents-level-${level}`;
    const topic = new aws.sns.Topic(
      topicName,
      {
        name: topicName,
        displayName: `${LEVELS[level].name} ${LEVELS[level].responseTime}`.slice(0, 100),
        kmsMasterKeyId: kmsKeyArn,
      },
      { parent: this },
    );
    new aws.sns.TopicPolicy(
      `${topicName}-policy`,
      {
        arn: topic.arn,
        policy: pulumi.all([topic.arn, account]).apply(([arn, accountId]) =>
          policyDocument([
            {
              Sid: "AlarmsOfThisAccountPublish",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: arn,
              Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
            {
              Sid: "AccountManagesAndPublishesThroughIam",
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${accountId}:root` },
              Action: [
                "sns:Publish",
                "sns:Subscribe",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:ListSubscriptionsByTopic",
              ],
              Resource: arn,
            },
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "sns:Publish",
              Resource: arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ]),
        ),
      },
      { parent: this },
    );
    return topic;
  }

  /** E-mail only: texts go through the SMS formatter (infra/sms.ts), which a CloudWatch JSON can't garble. */
  private subscribeContacts({ contacts, routes }: PagingArgs): void {
    const databaseFilter = JSON.stringify({
      $or: [{ AlarmName: [{ prefix: databaseAlarmPrefix(this.name) }] }, { domain: ["database"] }],
    });
    contacts.forEach((contact, index) => {
      const who = contact.name
        .normalize("NFD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");
      for (const level of LEVEL_NUMBERS) {
        if (routes[`level${level}`].email.includes(contact.role))
          this.subscribe(`${who}-${index}`, level, "email", contact.email);
        // The DBA hears of the database at level 2 even when level 2 does not page the DBA otherwise.
        else if (level === 2 && routes.databaseLevel2.includes(contact.role))
          this.subscribe(`${who}-${index}-database`, level, "email", contact.email, databaseFilter);
      }
    });
  }

  private subscribe(
    who: string,
    level: Level,
    channel: Channel,
    endpoint: pulumi.Input<string>,
    filterPolicy?: string,
  ): void {
    this.subscriptions.push(
      new aws.sns.TopicSubscription(
        `${this.name}-level-${level}-${channel}-${who}`,
        {
          topic: this.topics[level].arn,
          protocol: channel,
          endpoint: pulumi.secret(endpoint),
          ...(filterPolicy ? { filterPolicy, filterPolicyScope: "MessageBody" } : {}),
        },
        { parent: this },
      ),
    );
  }

  /** Pages of every level, forwarded to PagerDuty (severity by level, resolved when the alarm is OK). */
  private createPagerDutyForwarder(base: FunctionBase, secretArn: pulumi.Input<string>): TaskFunction {
    const name = `${this.name}-pagerduty-forwarder`;
    const forwarder = createTaskFunction(
      name,
      {
        handler: "pagerduty-forwarder",
        functionName: name,
        ...base,
        memorySize: 128,
        timeout: 60,
        secretArns: [secretArn],
        environment: {
          [ENV.pagerdutyRoutingKeySecretArn]: secretArn,
          [ENV.incidentTopics]: this.topicArns().apply((t) => JSON.stringify(t)),
        },
      },
      this,
    );
    for (const level of LEVEL_NUMBERS) {
      const permission = new aws.lambda.Permission(
        `${name}-from-level-${level}`,
        {
          action: "lambda:InvokeFunction",
          function: forwarder.fn.name,
          principal: "sns.amazonaws.com",
          sourceArn: this.topics[level].arn,
        },
        { parent: this },
      );
      new aws.sns.TopicSubscription(
        `${this.name}-level-${level}-pagerduty`,
        { topic: this.topics[level].arn, protocol: "lambda", endpoint: forwarder.fn.arn },
        { parent: this, dependsOn: [permission] },
      );
    }
    errorsAlarm(
      { topics: this.topics, opts: { parent: this } },
      {
        name: `${name}-errors`,
        level: 2,
        problem:
          "Les pages ne parviennent plus à PagerDuty : le transfert a échoué (les e-mails et SMS, eux, partent).",
        runbook: [
          `CloudWatch Logs ${forwarder.logGroupName} : la réponse de PagerDuty`,
          "Vérifier la clé d'intégration (secret pagerduty-routing-key) et le service PagerDuty",
        ],
      },
      forwarder.fn.name,
    );
    return forwarder;
  }
}
