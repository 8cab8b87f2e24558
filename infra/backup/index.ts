// "Vérification des backups" and "Procédures de restauration", made ours: a nightly pg_dump
// streamed to the Object-Locked backups bucket, and a weekly restore drill proving the latest
// one restores. Both run from the backup container image (pg_dump and a PostgreSQL server
// inside), each as a ScheduledTask with its heartbeat, errors and dead-letter alarms.
//
// Size limit of this design: a Lambda runs 15 minutes at most; at ~25 MB/s of database per core
// on the functions' two vCPUs that is a database of roughly 20 GB (README, "Limits"). Beyond it,
// `backups.runner.<backup|drill>: fargate` runs the same image as an ECS Fargate task from the
// same schedule (./fargate.ts): no time limit but the configured one, up to 200 GB of disk.
import * as pulumi from "@pulumi/pulumi";
import {
  BACKUP_PREFIXES,
  DRILL_RECORDS_PREFIX,
  ENV,
  LAMBDA_MAX_SECONDS,
  type Level,
} from "../../lambdas/core/contract";
import type { LevelTopics } from "../alarms";
import type { BucketRef } from "../checklists";
import { readBackupsStatements } from "../needs";
import { ScheduledTask, type TaskSettings } from "../scheduled-task";
import type { PolicyStatement } from "../storage/policies";
import type { FunctionBase } from "../task-function";
import { FargateNetwork, type FargateNetworkArgs } from "./fargate-network";
import { FargateTask, type FargateSize } from "./fargate";
import { BackupImage } from "./image";

/** Where a task runs. */
export type Runner = "lambda" | "fargate";

/** backups.fargate: the tasks' size, maximum run time and network. */
export interface FargateSettings extends FargateSize, Omit<FargateNetworkArgs, "app"> {
  /** @example 240 */
  maxRunMinutes: number;
}

export interface BackupsArgs {
  /** The app's name: prefixes the functions, schedules and alarms. @example "elegance-mobilite" */
  app: string;
  base: FunctionBase;
  topics: LevelTopics;
  /** When the backup and the drill run, in `timezone`. @example { backup: "cron(0 2 * * ? *)", drill: "cron(0 5 ? * MON *)" } */
  schedules: { backup: string; drill: string };
  /** Dates the backups' keys and records. @example "Europe/Paris" */
  timezone: string;
  /** The server's major version: the image carries the same pg_dump. @example 15 */
  postgresMajor: number;
  /** Backup images kept in the repository. @example 5 */
  imagesKept: number;
  backupsBucket: BucketRef;
  logsBucket: BucketRef;
  /** Secret of the URL pg_dump connects with (a role that reads every table). */
  backupDatabaseUrlSecretArn: pulumi.Input<string>;
  /** PEM of the database's CA: TLS verified against it. */
  caCert?: string;
  /** Hours without a backup before its heartbeat pages (a day plus margin). @example 26 */
  maxAgeHours: number;
  /** Tag January's monthly backup `yearly`. */
  keepYearly: boolean;
  /** Object Lock retention set on each backup. @example { mode: "GOVERNANCE", days: 14 } */
  objectLock: unknown;
  /** Timeout, retries, opt-in reserved concurrency (`functions.backup`, `functions.backup-drill`). @default 900 s, no retry, none reserved */
  settings?: { backup?: TaskSettings; drill?: TaskSettings };
  /** Where each runs. @default { backup: "lambda", drill: "lambda" } */
  runner?: { backup?: Runner; drill?: Runner };
  /** Required when a runner is fargate. */
  fargate?: FargateSettings;
}

/** The backup task writes new backups and cleans up its own interrupted uploads; it never reads nor deletes. */
export function backupStatements(bucketArn: string): PolicyStatement[] {
  const objects = BACKUP_PREFIXES.map((p) => `${bucketArn}/${p}*`);
  return [
    {
      Sid: "WriteBackups",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectRetention", "s3:AbortMultipartUpload"],
      Resource: objects,
    },
    // HeadObject of what it just wrote (size check) needs GetObject's permission.
    { Sid: "CheckOwnUploads", Effect: "Allow", Action: "s3:GetObject", Resource: objects },
    { Sid: "ListInterruptedUploads", Effect: "Allow", Action: "s3:ListBucketMultipartUploads", Resource: bucketArn },
  ];
}

/** The drill reads backups and writes its record; nothing else. */
export function drillStatements(backupsArn: string, logsArn: string): PolicyStatement[] {
  return [
    ...readBackupsStatements(backupsArn),
    {
      Sid: "WriteDrillRecords",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: `${logsArn}/${DRILL_RECORDS_PREFIX}*`,
    },
  ];
}

/** What a task is, whichever runner runs it. */
interface TaskSpec {
  handler: "backup" | "backup-drill";
  schedule: string;
  description: string;
  rerun: string;
  level: Level;
  heartbeatGraceSeconds?: number;
  environment: Record<string, pulumi.Input<string>>;
  statements: pulumi.Output<PolicyStatement[]>;
  secretArns?: pulumi.Input<string>[];
  /** Lambda's /tmp, MB. */
  ephemeralStorageMb?: number;
}

export class Backups extends pulumi.ComponentResource {
  readonly image: BackupImage;
  readonly backup: ScheduledTask | FargateTask;
  readonly drill: ScheduledTask | FargateTask;
  readonly network?: FargateNetwork;

  constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:backup:Backups", name, {}, opts);
    const { app, backupsBucket, logsBucket } = args;
    this.image = new BackupImage(
      `${app}-backup`,
      { postgresMajor: args.postgresMajor, imagesKept: args.imagesKept, kmsKeyArn: args.base.kmsKeyArn },
      { parent: this },
    );
    const runner = { backup: args.runner?.backup ?? "lambda", drill: args.runner?.drill ?? "lambda" };
    if (runner.backup === "fargate" || runner.drill === "fargate") {
      if (!args.fargate)
        throw new Error("backups.runner is fargate but backups.fargate is missing (subnetIds or useDefaultVpc)");
      const { cpu, memoryMb, ephemeralStorageGb, maxRunMinutes, ...network } = args.fargate;
      this.network = new FargateNetwork(`${app}-backups`, { app, ...network }, { parent: this });
    }
    const backup: TaskSpec = {
      handler: "backup",
      schedule: args.schedules.backup,
      description: "le backup quotidien de la base (pg_dump vers S3)",
      rerun: "npm run ops -- backup",
      // No backup for a day is the guide's level 2; the daily check pages too when it is old.
      level: 2,
      heartbeatGraceSeconds: (args.maxAgeHours - 24) * 3600,
      secretArns: [args.backupDatabaseUrlSecretArn],
      environment: {
        [ENV.backupDatabaseUrlSecretArn]: args.backupDatabaseUrlSecretArn,
        [ENV.backupsBucket]: backupsBucket.name,
        [ENV.timezone]: args.timezone,
        [ENV.backupKeepYearly]: String(args.keepYearly),
        [ENV.backupObjectLock]: JSON.stringify(args.objectLock),
        ...(args.caCert ? { [ENV.databaseCaCert]: args.caCert } : {}),
      },
      statements: pulumi.output(backupsBucket.arn).apply(backupStatements),
    };
    const drill: TaskSpec = {
      handler: "backup-drill",
      schedule: args.schedules.drill,
      description: "l'exercice de restauration hebdomadaire",
      rerun: "npm run ops -- backup drill --pg-bindir <binaires du serveur PostgreSQL>",
      level: 1,
      // The scratch database holds a full copy: /tmp up to Lambda's 10 GB.
      ephemeralStorageMb: 10_240,
      environment: {
        [ENV.backupsBucket]: backupsBucket.name,
        [ENV.logsBucket]: logsBucket.name,
        [ENV.timezone]: args.timezone,
      },
      statements: pulumi
        .all([backupsBucket.arn, logsBucket.arn])
        .apply(([backupsArn, logsArn]) => drillStatements(backupsArn, logsArn)),
    };
    this.backup =
      runner.backup === "fargate" ? this.onFargate("backup", backup, args) : this.onLambda("backup", backup, args);
    this.drill =
      runner.drill === "fargate"
        ? this.onFargate("backup-drill", drill, args)
        : this.onLambda("backup-drill", drill, args);
    this.registerOutputs({ imageUri: this.image.uri, repositoryUrl: this.image.repository.repositoryUrl });
  }

  private onLambda(name: string, task: TaskSpec, args: BackupsArgs): ScheduledTask {
    const { level, ...spec } = task;
    return new ScheduledTask(
      name,
      {
        app: args.app,
        ...args.base,
        timezone: args.timezone,
        topics: args.topics,
        imageUri: this.image.uri,
        // Lambda's whole 15 minutes. Memory buys CPU: 3,584 MB is two vCPUs, which the backup's
        // parallel gzip and the drill's parallel checks use (the process itself stays under 128 MB).
        timeout: LAMBDA_MAX_SECONDS,
        memorySize: 3584,
        // A retry would start a second dump or drill of the hour: they run once, a failure pages.
        retries: 0,
        ...spec,
        ...(name === "backup" ? args.settings?.backup : args.settings?.drill),
        levels: { errors: level, deadLetters: level, heartbeat: level },
      },
      { parent: this },
    );
  }

  private onFargate(name: string, task: TaskSpec, args: BackupsArgs): FargateTask {
    const settings = args.fargate!;
    const { level, ephemeralStorageMb, ...spec } = task;
    return new FargateTask(
      name,
      {
        app: args.app,
        ...args.base,
        ...spec,
        timezone: args.timezone,
        topics: args.topics,
        imageUri: this.image.uri,
        repositoryArn: this.image.repository.arn,
        placement: this.network!,
        size: { cpu: settings.cpu, memoryMb: settings.memoryMb, ephemeralStorageGb: settings.ephemeralStorageGb },
        maxRunMinutes: settings.maxRunMinutes,
        levels: { failed: level, deadLetters: level, heartbeat: level },
        replaces: pulumi.createUrn(name, "elegance-ops:scheduled-task:ScheduledTask", this),
      },
      { parent: this },
    );
  }

  /** The stack outputs naming where each task runs: its function, or its task definition's family. */
  outputs(): Record<string, pulumi.Output<string>> {
    const where = (key: string, task: ScheduledTask | FargateTask) =>
      task instanceof ScheduledTask
        ? { [`${key}Function`]: task.function.fn.name }
        : { [`${key}TaskDefinition`]: task.taskDefinition.family };
    return { ...where("backup", this.backup), ...where("backupDrill", this.drill) };
  }
}
