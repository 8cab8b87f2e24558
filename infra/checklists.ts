// "Annexes › Check-lists": the daily, weekly and monthly lists, each a ScheduledTask running its
// handler in lambdas/handlers/, with exactly the permissions its checks need.
import * as pulumi from "@pulumi/pulumi";
import { CHECKLISTS, ChecklistName } from "../lambdas/checklist/catalog";
import { DRILL_RECORDS_PREFIX, ENV, RECORDS_PREFIX, VERCEL_LOGS_PREFIX } from "../lambdas/core/contract";
import type { LevelTopics } from "./alarms";
import type { StackConfig } from "./config";
import { LEVEL_NUMBERS } from "./paging";
import { backupThresholdsFrom } from "../lambdas/core/inputs";
import { drillRecordsStatements, readBackupsStatements } from "./backup";
import { ScheduledTask } from "./scheduled-task";
import type { Storage } from "./storage";
import type { PolicyStatement } from "./storage/policies";

export interface ChecklistsArgs {
  config: StackConfig;
  storage: Storage;
  topics: LevelTopics;
  /** `{"1": arn, ...}` for INCIDENT_TOPICS. */
  topicArns: pulumi.Input<Record<string, string>>;
  databaseUrlSecretArn: pulumi.Input<string>;
}

/** The levels of one list's checks: the catalogue's, overridden by config, keyed `<list>.<id>`. */
export function checkLevels(list: ChecklistName, overrides: StackConfig["checklists"]["levels"]) {
  return Object.fromEntries(CHECKLISTS[list].map((c) => [`${list}.${c.id}`, { ...c.levels, ...overrides[`${list}.${c.id}`] }]));
}

export class Checklists extends pulumi.ComponentResource {
  readonly tasks: Record<ChecklistName, ScheduledTask>;

  constructor(name: string, args: ChecklistsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:checklists:Checklists", name, {}, opts);
    this.tasks = {
      daily: this.createList("daily", args),
      weekly: this.createList("weekly", args),
      monthly: this.createList("monthly", args),
    };
    this.registerOutputs({});
  }

  private createList(list: ChecklistName, args: ChecklistsArgs): ScheduledTask {
    const { config, storage } = args;
    const needs = new Set(CHECKLISTS[list].flatMap((c) => c.needs));
    const ids = new Set(CHECKLISTS[list].map((c) => c.id));
    // The daily log check reads what the Vercel log drain delivered, when there is one.
    const readsDrainLogs = list === "daily" && config.vercel !== undefined;
    return new ScheduledTask(
      `${list}-checklist`,
      {
        app: config.app.name,
        handler: `${list}-checklist`,
        schedule: config.schedules[list],
        timezone: config.timezone,
        description: `la check-list ${list === "daily" ? "quotidienne" : list === "weekly" ? "hebdomadaire" : "mensuelle"}`,
        storage,
        topics: args.topics,
        rerun: `npm run ops -- checklist run ${list}`,
        memorySize: 512,
        // The monthly tasks move and vacuum in batches: give them Lambda's whole 15 minutes.
        timeout: list === "monthly" ? 900 : 300,
        // Two runs of the same list never overlap (a re-run by hand is the CLI's, not this).
        reservedConcurrency: 1,
        secretArns: needs.has("databaseUrl") ? [args.databaseUrlSecretArn] : [],
        environment: {
          [ENV.appUrl]: config.app.url,
          [ENV.healthPath]: config.app.healthPath,
          [ENV.healthTimeoutMs]: String(config.thresholds.health.timeoutMs),
          [ENV.p95LatencyMs]: String(config.thresholds.health.p95LatencyMs),
          [ENV.logsBucket]: storage.logs.bucket.bucket,
          [ENV.incidentTopics]: pulumi.output(args.topicArns).apply((t) => JSON.stringify(t)),
          [ENV.checkLevels]: JSON.stringify(checkLevels(list, config.checklists.levels)),
          ...(needs.has("databaseUrl")
            ? {
                [ENV.databaseUrlSecretArn]: args.databaseUrlSecretArn,
                [ENV.databaseThresholds]: JSON.stringify(config.database.thresholds),
                [ENV.databaseTasks]: JSON.stringify(config.database.tasks),
                ...(config.database.caCert ? { [ENV.databaseCaCert]: config.database.caCert } : {}),
              }
            : {}),
          ...(ids.has("uptime") ? { [ENV.uptimeThresholds]: JSON.stringify(config.thresholds.uptime) } : {}),
          ...(ids.has("backups") ? { [ENV.backupsBucket]: storage.backups.bucket.bucket } : {}),
          ...(ids.has("backups") || ids.has("backup-drill")
            ? { [ENV.backupThresholds]: JSON.stringify(backupThresholdsFrom(config.backups)) }
            : {}),
          ...(readsDrainLogs ? { [ENV.logDrainEnabled]: "true", [ENV.logThresholds]: JSON.stringify(config.vercel!.logThresholds) } : {}),
        },
        statements: pulumi
          .all([storage.logs.bucket.arn, storage.backups.bucket.arn, ...LEVEL_NUMBERS.map((l) => args.topics[l].arn)])
          .apply(([bucketArn, backupsArn, ...topicArns]) => [
            ...statementsFor(list, ids, bucketArn, topicArns, readsDrainLogs),
            ...(ids.has("backups") ? readBackupsStatements(backupsArn) : []),
            ...(ids.has("backup-drill") ? drillRecordsStatements(bucketArn) : []),
          ]),
      },
      { parent: this },
    );
  }
}

/** Least privilege per list: its own record prefix, the paging topics, and what its checks read. */
export function statementsFor(list: ChecklistName, ids: Set<string>, logsBucketArn: string, topicArns: string[], readsDrainLogs = false): PolicyStatement[] {
  const drainLogs = [VERCEL_LOGS_PREFIX.app, VERCEL_LOGS_PREFIX.access];
  // checklist-freshness dates the weekly and monthly records and the restore drill's.
  const readable = ids.has("checklist-freshness") ? [`${RECORDS_PREFIX}*`, `${DRILL_RECORDS_PREFIX}*`] : [`${RECORDS_PREFIX}${list}/*`];
  return [
    { Sid: "WriteRunRecords", Effect: "Allow", Action: "s3:PutObject", Resource: `${logsBucketArn}/${RECORDS_PREFIX}${list}/*` },
    { Sid: "ListRunRecords", Effect: "Allow", Action: "s3:ListBucket", Resource: logsBucketArn, Condition: { StringLike: { "s3:prefix": readable } } },
    { Sid: "RaiseIncidents", Effect: "Allow", Action: "sns:Publish", Resource: topicArns },
    // large-tables compares with the previous weekly record.
    ...(ids.has("large-tables") ? [{ Sid: "ReadRunRecords", Effect: "Allow" as const, Action: "s3:GetObject", Resource: `${logsBucketArn}/${RECORDS_PREFIX}${list}/*` }] : []),
    // GetMetricData has no resource-level permissions: "*" is the only resource it accepts.
    ...(ids.has("uptime") ? [{ Sid: "ReadProbeMetrics", Effect: "Allow" as const, Action: "cloudwatch:GetMetricData", Resource: "*" }] : []),
    ...(readsDrainLogs
      ? [
          { Sid: "ListDrainLogs", Effect: "Allow" as const, Action: "s3:ListBucket", Resource: logsBucketArn, Condition: { StringLike: { "s3:prefix": drainLogs.map((p) => `${p}*`) } } },
          { Sid: "ReadDrainLogs", Effect: "Allow" as const, Action: "s3:GetObject", Resource: drainLogs.map((p) => `${logsBucketArn}/${p}*`) },
        ]
      : []),
  ];
}
