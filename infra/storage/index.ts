import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupLifecycleRules, BackupRetention, LOG_PREFIXES, LogRetention, logsLifecycleRules } from "./lifecycle";
import { denyInsecureTransport, keyPolicy, policyDocument, PolicyStatement, serverAccessLogsWrite } from "./policies";
import { denyExceptBreakGlass } from "./protection";
import { BackupsCopy, BackupsReplication, backupsReplication } from "./replication";
import { SecureBucket, secureBucket } from "./secure-bucket";
import { SecurityLogs, securityLogs } from "./security-logs";

export type { BackupsCopy } from "./replication";

export interface StorageArgs {
  /**
   * Days kept per prefix of the logs bucket: the guide's "Logs à conserver" table.
   * @example { appDays: 30, accessDays: 90, securityDays: 365, metricsDays: 731, reportsDays: 731 }
   */
  logRetention: LogRetention;
  /**
   * The backups bucket: Object Lock default retention, and how long each tier of the
   * grandfather-father-son rotation is kept (objects are tagged `retention=<tier>`).
   * @example { objectLock: { mode: "GOVERNANCE", days: 35 }, retention: { dailyDays: 35, monthlyDays: 365 }, noncurrentVersionDays: 7 }
   */
  backups: {
    objectLock: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
    retention: BackupRetention;
    noncurrentVersionDays: number;
    /**
     * The one role allowed to bypass GOVERNANCE retention, change the lock, the policy, the
     * lifecycle or the replication, or delete versions (backups and security logs); unset,
     * the buckets have no such denial.
     * @example "arn:aws:iam::123456789012:role/elegance-ops-break-glass"
     */
    breakGlassRoleArn?: string;
    /** A copy in a second account of the same region; unset, no replication. */
    copy?: BackupsCopy;
  };
}

/** Where S3 delivers the backups bucket's server access logs, inside the logs bucket. */
export const BACKUPS_ACCESS_LOG_PREFIX = `${LOG_PREFIXES.access}s3/backups/`;
/** CloudTrail's key prefix (no trailing slash: CloudTrail adds `/AWSLogs/...`). */
export const TRAIL_PREFIX = LOG_PREFIXES.security.replace(/\/$/, "");
/** Where S3 delivers the security-logs bucket's server access logs, inside the logs bucket. */
export const SECURITY_LOGS_ACCESS_LOG_PREFIX = `${LOG_PREFIXES.access}s3/security-logs/`;

/**
 * Backup and log storage with the guide's retention, hardened:
 * a customer-managed KMS key (rotated yearly) encrypting everything below; a logs bucket
 * whose lifecycle implements the retention table; a versioned, Object-Locked backups
 * bucket with a grandfather-father-son rotation, optionally copied to a second account;
 * a security-logs bucket for the CloudTrail trail (also streamed to a log group); TLS-only
 * bucket policies, with a break-glass-only denial of erasing when configured; the access
 * logs of the backups and security-logs buckets delivered to the logs bucket.
 *
 * Every Lambda of the stack gets its log group from {@link Storage.logGroup}.
 */
export class Storage extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly logs: SecureBucket & { lifecycle: aws.s3.BucketLifecycleConfiguration; policy: aws.s3.BucketPolicy };
  readonly backups: SecureBucket & {
    versioning: aws.s3.BucketVersioning;
    objectLock: aws.s3.BucketObjectLockConfiguration;
    lifecycle: aws.s3.BucketLifecycleConfiguration;
    policy: aws.s3.BucketPolicy;
    accessLogging: aws.s3.BucketLogging;
  };
  /** The trail's bucket and its CloudWatch log group (see ./security-logs.ts). */
  readonly security: SecurityLogs;
  readonly trail: aws.cloudtrail.Trail;
  /** The copy to the second account, when `backups.copy` is configured. */
  readonly backupsCopy?: BackupsReplication;
  /** Days a Lambda's log group keeps its lines (the guide's application logs). */
  readonly appLogDays: number;

  private readonly name: string;
  private readonly account: pulumi.Output<{ accountId: string; region: string; partition: string }>;
  private readonly trailName: string;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:storage:Storage", name, {}, opts);
    this.name = name;
    this.appLogDays = args.logRetention.appDays;
    this.trailName = `${name}-security`;
    this.account = this.lookupAccount();
    this.key = this.createKey();
    // Every bucket exists before the policies: the logs bucket's policy names the other two.
    const logs = secureBucket(`${name}-logs`, { kmsKeyArn: this.key.arn }, { parent: this });
    const backups = secureBucket(`${name}-backups`, { kmsKeyArn: this.key.arn, objectLock: true }, { parent: this });
    const security = secureBucket(
      `${name}-security-logs`,
      { kmsKeyArn: this.key.arn, objectLock: true },
      { parent: this },
    );
    const breakGlass = args.backups.breakGlassRoleArn;
    const protection = (arn: string): PolicyStatement[] => (breakGlass ? denyExceptBreakGlass(arn, breakGlass) : []);
    this.logs = this.configureLogsBucket(logs, args.logRetention, [backups.bucket, security.bucket]);
    const { copy, ...configured } = this.configureBackupsBucket(backups, args.backups, protection);
    this.backups = configured;
    this.backupsCopy = copy;
    this.security = securityLogs(
      name,
      {
        base: security,
        days: args.logRetention.securityDays,
        keyArn: this.key.arn,
        trailName: this.trailName,
        trailArn: this.trailArn(),
        trailPrefix: TRAIL_PREFIX,
        accountId: this.account.apply((a) => a.accountId),
        logsBucket: this.logs.bucket,
        logsPolicy: this.logs.policy,
        accessLogPrefix: SECURITY_LOGS_ACCESS_LOG_PREFIX,
        protection,
        backupsArn: this.backups.bucket.arn,
      },
      { parent: this },
    );
    this.trail = this.security.trail;
    this.registerOutputs({
      keyArn: this.key.arn,
      logsBucket: this.logs.bucket.bucket,
      backupsBucket: this.backups.bucket.bucket,
      securityLogsBucket: this.security.bucket.bucket.bucket,
      trailLogGroup: this.security.logGroup.name,
      trailArn: this.trail.arn,
    });
  }

  /**
   * A CloudWatch log group for one Lambda, kept as long as the guide keeps application
   * logs and encrypted with the stack's key.
   * @param name logical name, e.g. `daily-checklist`
   * @param logGroupName physical name, e.g. `/aws/lambda/<function name>`
   */
  logGroup(
    name: string,
    logGroupName?: pulumi.Input<string>,
    opts?: pulumi.CustomResourceOptions,
  ): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: logGroupName, retentionInDays: this.appLogDays, kmsKeyId: this.key.arn },
      { parent: this, ...opts },
    );
  }

  private lookupAccount() {
    const opts = { parent: this };
    return pulumi
      .all([aws.getCallerIdentityOutput({}, opts), aws.getRegionOutput({}, opts), aws.getPartitionOutput({}, opts)])
      .apply(([identity, region, partition]) => ({
        accountId: identity.accountId,
        region: region.region,
        partition: partition.partition,
      }));
  }

  /** The trail's ARN is needed by the key and bucket policies before the trail exists. */
  private trailArn(): pulumi.Output<string> {
    return this.account.apply(
      (a) => `arn:${a.partition}:cloudtrail:${a.region}:${a.accountId}:trail/${this.trailName}`,
    );
  }

  private createKey(): aws.kms.Key {
    const policy = pulumi
      .all([this.account, this.trailArn()])
      .apply(([a, trailArn]) => policyDocument(keyPolicy({ ...a, trailArn })));
    const key = new aws.kms.Key(
      `${this.name}-key`,
      {
        description: "elegance-ops: backups, logs, trail and log groups",
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        policy,
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${this.name}-key-alias`,
      { name: `alias/${this.name}-ops`, targetKeyId: key.keyId },
      { parent: this },
    );
    return key;
  }

  private configureLogsBucket(base: SecureBucket, retention: LogRetention, [backups, security]: aws.s3.Bucket[]) {
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
      `${this.name}-logs-lifecycle`,
      {
        bucket: base.bucket.id,
        // Objects under 128 KB cost more in the infrequent-access classes than in Standard.
        transitionDefaultMinimumObjectSize: "all_storage_classes_128K",
        rules: logsLifecycleRules(retention),
      },
      { parent: this },
    );
    const policy = new aws.s3.BucketPolicy(
      `${this.name}-logs-policy`,
      {
        bucket: base.bucket.id,
        policy: pulumi
          .all([base.bucket.arn, this.account, backups.arn, security.arn])
          .apply(([arn, a, backupsArn, securityArn]) =>
            policyDocument([
              ...denyInsecureTransport(arn),
              serverAccessLogsWrite(arn, BACKUPS_ACCESS_LOG_PREFIX, backupsArn, a.accountId),
              {
                ...serverAccessLogsWrite(arn, SECURITY_LOGS_ACCESS_LOG_PREFIX, securityArn, a.accountId),
                Sid: "S3ServerAccessLogsWriteSecurityLogs",
              },
            ]),
          ),
      },
      { parent: this, dependsOn: [base.publicAccessBlock] },
    );
    return { ...base, lifecycle, policy };
  }

  private configureBackupsBucket(
    base: SecureBucket,
    args: StorageArgs["backups"],
    protection: (arn: string) => PolicyStatement[],
  ) {
    const name = `${this.name}-backups`;
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: base.bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    const copy =
      args.copy &&
      backupsReplication(
        name,
        { source: base.bucket, sourceKeyArn: this.key.arn, versioning, copy: args.copy, account: this.account },
        { parent: this },
      );
    const objectLock = new aws.s3.BucketObjectLockConfiguration(
      `${name}-object-lock`,
      {
        bucket: base.bucket.id,
        objectLockEnabled: "Enabled",
        rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } },
      },
      { parent: this, dependsOn: [versioning] },
    );
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: base.bucket.id,
        transitionDefaultMinimumObjectSize: "all_storage_classes_128K",
        rules: backupLifecycleRules(args.retention, args.noncurrentVersionDays),
      },
      { parent: this, dependsOn: [versioning] },
    );
    const accessLogging = new aws.s3.BucketLogging(
      `${name}-access-logging`,
      {
        bucket: base.bucket.id,
        targetBucket: this.logs.bucket.id,
        targetPrefix: BACKUPS_ACCESS_LOG_PREFIX,
        targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
      },
      { parent: this, dependsOn: [this.logs.policy] },
    );
    // Last: once it denies lock, lifecycle and replication changes, only the break-glass role may make them.
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: base.bucket.id,
        policy: base.bucket.arn.apply((arn) => policyDocument([...denyInsecureTransport(arn), ...protection(arn)])),
      },
      {
        parent: this,
        dependsOn: [base.publicAccessBlock, objectLock, lifecycle, accessLogging, ...(copy ? [copy.replication] : [])],
      },
    );
    return { ...base, versioning, objectLock, lifecycle, policy, accessLogging, copy };
  }
}
