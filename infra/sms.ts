// Pages that reach phones. CloudWatch publishes its own long JSON to the level topics, which
// SMS would cut mid-sentence, so phones are not subscribed to the topics: the SMS formatter
// is (lambdas/paging/sms-formatter.ts), and texts each page's one-segment summary to the
// numbers of that level, read from Secrets Manager. E-mail stays subscribed to the topics, so
// a formatter failure never silences e-mail, and the formatter's own errors alarm pages.
// The account's SMS settings are code too: Transactional, a spend limit, delivery-status logs.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, type Level } from "../lambdas/core/contract";
import { errorsAlarm, type LevelTopics } from "./alarms";
import type { StackConfig } from "./config";
import { LEVEL_NUMBERS } from "./paging";
import { policyDocument, serviceTrust } from "./storage/policies";
import { createTaskFunction, type FunctionBase, type TaskFunction } from "./task-function";

/** AWS's spend limit of an account that never asked for more (USD a month). */
export const DEFAULT_ACCOUNT_SMS_QUOTA_USD = 1;

export interface SmsPagingArgs {
  /** The app's name: prefixes the function and alarm. @example "elegance-mobilite" */
  app: string;
  /** The `smsPhones` key of the stack's runtime secret (infra/secrets.ts), valued with `phoneRoutes`. */
  phonesSecretRef: pulumi.Input<string>;
  /** The contacts (phones are secrets). */
  contacts: StackConfig["contacts"];
  /** Which roles each level texts; `databaseLevel2` roles get the database's level-2 texts too. */
  routes: StackConfig["paging"];
  /**
   * The account's SMS settings.
   * @example { monthlySpendLimitUsd: 20, senderId: "ELEGANCE", runbookBaseUrl: "https://ops.elegance-mobilite.fr/rb" }
   */
  sms: StackConfig["paging"]["sms"];
  topics: LevelTopics;
  base: FunctionBase;
  /** Names of the alarms about the database start with it (their texts reach the DBA at level 2). */
  databaseAlarmPrefix: string;
}

export class SmsPaging extends pulumi.ComponentResource {
  readonly preferences: aws.sns.SmsPreferences;
  readonly formatter: TaskFunction;
  readonly errors: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: SmsPagingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:sms:SmsPaging", name, {}, opts);
    this.preferences = this.createPreferences(name, args);
    this.formatter = this.createFormatter(name, args);
    this.errors = errorsAlarm(
      { topics: args.topics, opts: { parent: this } },
      {
        name: `${name}-sms-formatter-errors`,
        level: 2,
        problem: "Les SMS de pages ne partent plus : le formateur SMS a échoué (les e-mails, eux, partent).",
        runbook: [
          `CloudWatch Logs ${this.formatter.logGroupName} : l'erreur (numéro refusé, quota de dépense SMS atteint, bac à sable SMS)`,
          "Console SNS › Text messaging (SMS) : plafond de dépense du mois, sortie du bac à sable, journaux de livraison",
          `Journaux de livraison : CloudWatch Logs sns/<région>/<compte>/DirectPublishToPhoneNumber/Failure`,
        ],
      },
      this.formatter.fn.name,
    );
    this.registerOutputs({ formatter: this.formatter.fn.name });
  }

  /** Transactional (delivered even to numbers on do-not-disturb lists), capped, with delivery logs. */
  private createPreferences(name: string, args: SmsPagingArgs): aws.sns.SmsPreferences {
    const { monthlySpendLimitUsd, senderId } = args.sms;
    if (monthlySpendLimitUsd > DEFAULT_ACCOUNT_SMS_QUOTA_USD) {
      void pulumi.log.warn(
        `paging.sms.monthlySpendLimitUsd is ${monthlySpendLimitUsd} USD: SNS refuses a limit above the account's SMS spend quota (${DEFAULT_ACCOUNT_SMS_QUOTA_USD} USD on a new account). Raise the quota first (AWS Support › Create case › Service limit increase › SNS Text Messaging, monthly spend limit; README "What your AWS account needs"), then run pulumi up.`,
        this,
      );
    }
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const region = aws.getRegionOutput({}, { parent: this }).region;
    // SNS writes a direct publish's delivery status to these groups; made here, they are kept 30 days under the stack's key.
    const groups = ["DirectPublishToPhoneNumber", "DirectPublishToPhoneNumber/Failure"].map((suffix, i) =>
      args.base.logGroup(
        `${name}-sms-delivery-${i ? "failure" : "success"}`,
        pulumi.interpolate`sns/${region}/${account}/${suffix}`,
        { parent: this },
      ),
    );
    const role = new aws.iam.Role(
      `${name}-sms-delivery-status-role`,
      {
        assumeRolePolicy: account.apply(serviceTrust("sns.amazonaws.com")),
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-sms-delivery-status-policy`,
      {
        role: role.id,
        policy: pulumi.all(groups.map((g) => g.arn)).apply((arns) =>
          policyDocument([
            {
              Sid: "WriteDeliveryStatus",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: arns.map((arn) => `${arn}:*`),
            },
            {
              Sid: "KeepRetention",
              Effect: "Allow",
              Action: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:PutMetricFilter"],
              Resource: arns.map((arn) => `${arn}:*`),
            },
          ]),
        ),
      },
      { parent: this },
    );
    return new aws.sns.SmsPreferences(
      `${name}-sms-preferences`,
      {
        defaultSmsType: "Transactional",
        monthlySpendLimit: monthlySpendLimitUsd,
        ...(senderId ? { defaultSenderId: senderId } : {}),
        deliveryStatusIamRoleArn: role.arn,
        deliveryStatusSuccessSamplingRate: "100",
      },
      { parent: this, dependsOn: [policy, ...groups] },
    );
  }

  private createFormatter(name: string, args: SmsPagingArgs): TaskFunction {
    const functionName = `${name}-sms-formatter`;
    const topicArns = pulumi.all(LEVEL_NUMBERS.map((l) => args.topics[l].arn));
    const formatter = createTaskFunction(
      functionName,
      {
        handler: "sms-formatter",
        functionName,
        ...args.base,
        memorySize: 128,
        timeout: 30,
        secretArns: [args.phonesSecretRef],
        environment: {
          [ENV.appName]: args.app,
          [ENV.smsPhonesSecretArn]: args.phonesSecretRef,
          [ENV.databaseAlarmPrefix]: args.databaseAlarmPrefix,
          [ENV.incidentTopics]: topicArns.apply((arns) =>
            JSON.stringify(Object.fromEntries(arns.map((arn, i) => [String(LEVEL_NUMBERS[i]), arn]))),
          ),
          ...(args.sms.runbookBaseUrl ? { [ENV.runbookBaseUrl]: args.sms.runbookBaseUrl } : {}),
        },
        // A phone number has no ARN: allow Publish to anything but a topic, i.e. to phones only.
        statements: [
          { Sid: "TextPhonesOnly", Effect: "Allow", Action: "sns:Publish", NotResource: "arn:aws:sns:*:*:*" },
        ],
      },
      this,
    );
    for (const level of LEVEL_NUMBERS) {
      const permission = new aws.lambda.Permission(
        `${functionName}-from-level-${level}`,
        {
          action: "lambda:InvokeFunction",
          function: formatter.fn.name,
          principal: "sns.amazonaws.com",
          sourceArn: args.topics[level].arn,
        },
        { parent: this },
      );
      new aws.sns.TopicSubscription(
        `${name}-level-${level}-sms-formatter`,
        { topic: args.topics[level].arn, protocol: "lambda", endpoint: formatter.fn.arn },
        { parent: this, dependsOn: [permission] },
      );
    }
    return formatter;
  }
}

/** The numbers each level texts, as the formatter reads them (lambdas/paging/sms-formatter.ts PhoneRoutes). */
export function phoneRouteTable(
  contacts: { role: string; phone: string }[],
  routes: Pick<StackConfig["paging"], "level1" | "level2" | "level3" | "databaseLevel2">,
) {
  const numbers = (pick: (role: string) => boolean) => [
    ...new Set(contacts.filter((c) => pick(c.role)).map((c) => c.phone)),
  ];
  const has = (roles: readonly string[], role: string) => roles.includes(role);
  return {
    levels: Object.fromEntries(
      LEVEL_NUMBERS.map((l: Level) => [String(l), numbers((role) => has(routes[`level${l}`].sms, role))]),
    ),
    // The DBA hears of the database at level 2 even when level 2 does not text the DBA otherwise.
    database: { "2": numbers((role) => has(routes.databaseLevel2, role) && !has(routes.level2.sms, role)) },
  };
}

/** The table as the secret's value (the phones stay Pulumi secrets). */
export function phoneRoutes({ contacts, routes }: Pick<SmsPagingArgs, "contacts" | "routes">): pulumi.Output<string> {
  return pulumi.all(contacts.map((c) => c.phone)).apply((phones) =>
    JSON.stringify(
      phoneRouteTable(
        contacts.map((c, i) => ({ role: c.role, phone: phones[i] })),
        routes,
      ),
    ),
  );
}
