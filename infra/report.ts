// "Rapports" and "Métriques : 2 ans": the daily metrics export and the weekly report, each a
// ScheduledTask; the report's e-mail identity (SES v2, DKIM records as outputs) when configured,
// its recipients (the contacts of the configured roles) in Secrets Manager.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, LOG_PREFIXES, RECORDS_PREFIX, WEEKLY_REPORTS_PREFIX } from "../lambdas/core/contract";
import type { LevelTopics } from "./alarms";
import type { BucketRef } from "./checklists";
import { ScheduledTask } from "./scheduled-task";
import type { PolicyStatement } from "./storage/policies";
import type { FunctionBase } from "./task-function";

export interface ReportsArgs {
  /** @example "elegance-mobilite" */
  app: string;
  base: FunctionBase;
  topics: LevelTopics;
  logsBucket: BucketRef;
  /** @example { metricsExport: "cron(30 2 * * ? *)", weekly: "cron(0 9 ? * MON *)" } */
  schedules: { metricsExport: string; weekly: string };
  /** @example "Europe/Paris" */
  timezone: string;
  /** The uptime and health setting variables (infra/config/settings.ts): the report's thresholds. */
  settings: Record<string, string>;
  /** Sends the report by e-mail from this domain and address; without it the level-1 topic gets its key. */
  ses?: { domain: string; from: string };
  /**
   * The `reportRecipients` key of the stack's runtime secret (the contacts of the configured
   * roles, JSON), when there are recipients.
   */
  recipientsSecretRef?: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
}

const s3Statements = (bucketArn: string, read: string[], write: string[]): PolicyStatement[] => [
  {
    Sid: "ListPrefixes",
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: bucketArn,
    Condition: { StringLike: { "s3:prefix": read.map((p) => `${p}*`) } },
  },
  { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: read.map((p) => `${bucketArn}/${p}*`) },
  { Sid: "Write", Effect: "Allow", Action: "s3:PutObject", Resource: write.map((p) => `${bucketArn}/${p}*`) },
];

export class Reports extends pulumi.ComponentResource {
  readonly metricsExport: ScheduledTask;
  readonly weekly: ScheduledTask;
  readonly emailIdentity?: aws.sesv2.EmailIdentity;
  /** The DNS records SES's DKIM needs (CNAME name → value), when SES is configured. */
  readonly dkimRecords?: pulumi.Output<{ name: string; type: "CNAME"; value: string }[]>;

  constructor(name: string, args: ReportsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:report:Reports", name, {}, opts);
    const common = {
      app: args.app,
      ...args.base,
      timezone: args.timezone,
      topics: args.topics,
    };

    this.metricsExport = new ScheduledTask(
      "metrics-export",
      {
        ...common,
        // A re-run rewrites the same day's objects: safe to retry once.
        retries: 1,
        handler: "metrics-export",
        schedule: args.schedules.metricsExport,
        description: "l'export quotidien des métriques (2 ans)",
        rerun: "aws lambda invoke --function-name <fonction> /dev/stdout (rattrape les 15 derniers jours manquants)",
        memorySize: 512,
        timeout: 900,
        environment: { [ENV.logsBucket]: args.logsBucket.name },
        statements: pulumi.output(args.logsBucket.arn).apply((arn) => [
          ...s3Statements(arn, [LOG_PREFIXES.metrics], [LOG_PREFIXES.metrics]),
          // ListMetrics and GetMetricData have no resource-level permission.
          {
            Sid: "ReadMetrics",
            Effect: "Allow" as const,
            Action: ["cloudwatch:ListMetrics", "cloudwatch:GetMetricData"],
            Resource: "*",
          },
        ]),
      },
      { parent: this },
    );

    if (args.ses) {
      this.emailIdentity = new aws.sesv2.EmailIdentity(
        `${name}-email-identity`,
        { emailIdentity: args.ses.domain, dkimSigningAttributes: { nextSigningKeyLength: "RSA_2048_BIT" } },
        { parent: this },
      );
      const domain = args.ses.domain;
      this.dkimRecords = this.emailIdentity.dkimSigningAttributes.apply((d) =>
        (d?.tokens ?? []).map((token) => ({
          name: `${token}._domainkey.${domain}`,
          type: "CNAME" as const,
          value: `${token}.dkim.amazonses.com`,
        })),
      );
    }
    const recipients = args.ses ? args.recipientsSecretRef : undefined;
    const level1 = args.topics[1].arn;
    this.weekly = new ScheduledTask(
      "weekly-report",
      {
        ...common,
        handler: "weekly-report",
        // A re-run would mail the report twice: a failure pages instead.
        retries: 0,
        schedule: args.schedules.weekly,
        description: "le rapport de maintenance hebdomadaire",
        rerun: "npm run ops -- report weekly --week <AAAA-Wss> --upload",
        // A week of 1-minute metrics is parsed one day at a time (bench/report.ts: under 256 MB).
        memorySize: 1024,
        timeout: 300,
        secretArns: recipients ? [recipients] : [],
        environment: {
          [ENV.logsBucket]: args.logsBucket.name,
          ...args.settings,
          [ENV.incidentTopics]: pulumi.output(level1).apply((arn) => JSON.stringify({ 1: arn })),
          ...(args.ses ? { [ENV.reportFrom]: args.ses.from } : {}),
          ...(recipients ? { [ENV.reportRecipientsSecretArn]: recipients } : {}),
        },
        statements: pulumi
          .all([
            args.logsBucket.arn,
            level1,
            this.emailIdentity?.arn,
            aws.getCallerIdentityOutput({}, { parent: this }).accountId,
            aws.getRegionOutput({}, { parent: this }).region,
          ])
          .apply(([arn, topic, identity, account, region]) => [
            ...s3Statements(arn, [LOG_PREFIXES.metrics, RECORDS_PREFIX], [WEEKLY_REPORTS_PREFIX]),
            {
              Sid: "AlarmHistory",
              Effect: "Allow" as const,
              Action: ["cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms"],
              // The stack's own alarms only: they are all named after the app.
              Resource: `arn:aws:cloudwatch:${region}:${account}:alarm:${args.app}-*`,
            },
            { Sid: "AnnounceReport", Effect: "Allow" as const, Action: "sns:Publish", Resource: topic },
            ...(identity
              ? [
                  {
                    Sid: "MailReport",
                    Effect: "Allow" as const,
                    Action: "ses:SendEmail",
                    Resource: identity,
                    Condition: { StringEquals: { "ses:FromAddress": args.ses!.from } },
                  },
                ]
              : []),
          ]),
      },
      { parent: this },
    );
    this.registerOutputs({ dkimRecords: this.dkimRecords });
  }
}
