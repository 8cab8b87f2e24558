// "Logs de sécurité", kept one year where nobody can quietly rewrite them: a dedicated
// bucket (versioning, Object Lock for the whole retention, access logs to the logs bucket)
// for the CloudTrail trail, which also streams to a KMS-encrypted CloudWatch log group that
// the CIS metric filters read (infra/security-monitoring.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cloudTrailWrite, denyInsecureTransport, policyDocument, PolicyStatement } from "./policies";
import { SecureBucket } from "./secure-bucket";

export interface SecurityLogsArgs {
  base: SecureBucket;
  /** The guide's security-log retention: Object Lock, lifecycle and log group alike. */
  days: number;
  keyArn: pulumi.Input<string>;
  trailName: string;
  trailArn: pulumi.Output<string>;
  trailPrefix: string;
  accountId: pulumi.Output<string>;
  logsBucket: aws.s3.Bucket;
  /** The logs bucket's policy lets S3 deliver this bucket's access logs; it must exist first. */
  logsPolicy: aws.s3.BucketPolicy;
  accessLogPrefix: string;
  /** Statements protecting the bucket itself (break-glass), when configured. */
  protection: (bucketArn: string) => PolicyStatement[];
  /** The backups' objects, recorded as data events. */
  backupsArn: pulumi.Output<string>;
}

export interface SecurityLogs {
  bucket: SecureBucket & {
    versioning: aws.s3.BucketVersioning;
    objectLock: aws.s3.BucketObjectLockConfiguration;
    lifecycle: aws.s3.BucketLifecycleConfiguration;
    policy: aws.s3.BucketPolicy;
    accessLogging: aws.s3.BucketLogging;
  };
  trail: aws.cloudtrail.Trail;
  /** The trail's CloudWatch Logs copy, where the CIS metric filters look. */
  logGroup: aws.cloudwatch.LogGroup;
  /** Its name as plain text, for runbooks. */
  logGroupName: string;
  /** What CloudTrail assumes to write to the log group. */
  role: aws.iam.Role;
}

/** `storageName` prefixes the logical names: `<storage>-security-logs-…`, and the trail keeps `<storage>-trail`. */
export function securityLogs(
  storageName: string,
  args: SecurityLogsArgs,
  opts: pulumi.CustomResourceOptions,
): SecurityLogs {
  const name = `${storageName}-security-logs`;
  const { base } = args;
  const bucketId = base.bucket.id;
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket: bucketId, versioningConfiguration: { status: "Enabled" } },
    opts,
  );
  // GOVERNANCE for the whole retention: a log can't be deleted before its year is up without
  // s3:BypassGovernanceRetention, which the break-glass policy keeps for one role.
  const objectLock = new aws.s3.BucketObjectLockConfiguration(
    `${name}-object-lock`,
    {
      bucket: bucketId,
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: "GOVERNANCE", days: args.days } },
    },
    { ...opts, dependsOn: [versioning] },
  );
  const lifecycle = new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    {
      bucket: bucketId,
      transitionDefaultMinimumObjectSize: "all_storage_classes_128K",
      rules: [
        {
          // Expiry adds a delete marker; the version itself goes the day after, once its lock ran out.
          id: `expire-after-${args.days}-days`,
          status: "Enabled",
          filter: {},
          expiration: { days: args.days },
          noncurrentVersionExpiration: { noncurrentDays: 1 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
        {
          id: "remove-expired-delete-markers",
          status: "Enabled",
          filter: {},
          expiration: { expiredObjectDeleteMarker: true },
        },
      ],
    },
    { ...opts, dependsOn: [versioning] },
  );
  const accessLogging = new aws.s3.BucketLogging(
    `${name}-access-logging`,
    {
      bucket: bucketId,
      targetBucket: args.logsBucket.id,
      targetPrefix: args.accessLogPrefix,
      targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
    },
    { ...opts, dependsOn: [args.logsPolicy] },
  );
  // Last: once it denies lock and lifecycle changes, only the break-glass role may make them.
  const policy = new aws.s3.BucketPolicy(
    `${name}-policy`,
    {
      bucket: bucketId,
      policy: pulumi
        .all([base.bucket.arn, args.accountId, args.trailArn])
        .apply(([arn, accountId, trailArn]) =>
          policyDocument([
            ...denyInsecureTransport(arn),
            ...cloudTrailWrite(arn, args.trailPrefix, accountId, trailArn),
            ...args.protection(arn),
          ]),
        ),
    },
    { ...opts, dependsOn: [base.publicAccessBlock, objectLock, lifecycle, accessLogging] },
  );

  const logGroupName = `/aws/cloudtrail/${args.trailName}`;
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-trail-logs`,
    { name: logGroupName, retentionInDays: args.days, kmsKeyId: args.keyArn },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-trail-to-logs`,
    {
      description: "elegance-ops: CloudTrail writes the trail to its CloudWatch log group",
      // AWS's own trust for this role names the service only; the role can write to one log group, nothing else.
      assumeRolePolicy: policyDocument([
        { Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]),
    },
    opts,
  );
  const rolePolicy = new aws.iam.RolePolicy(
    `${name}-trail-to-logs`,
    {
      role: role.id,
      policy: logGroup.arn.apply((arn) =>
        policyDocument([
          {
            Sid: "WriteTrailEvents",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${arn}:log-stream:*`,
          },
        ]),
      ),
    },
    opts,
  );

  const trail = new aws.cloudtrail.Trail(
    `${storageName}-trail`,
    {
      name: args.trailName,
      s3BucketName: base.bucket.bucket,
      s3KeyPrefix: args.trailPrefix,
      kmsKeyId: args.keyArn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      cloudWatchLogsGroupArn: pulumi.interpolate`${logGroup.arn}:*`,
      cloudWatchLogsRoleArn: role.arn,
      advancedEventSelectors: [
        { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
        {
          // Who read, wrote or deleted a backup: the security log a restore investigation needs.
          name: "Backup object access",
          fieldSelectors: [
            { field: "eventCategory", equals: ["Data"] },
            { field: "resources.type", equals: ["AWS::S3::Object"] },
            { field: "resources.ARN", startsWiths: [pulumi.interpolate`${args.backupsArn}/`] },
          ],
        },
      ],
    },
    { ...opts, dependsOn: [policy, rolePolicy] },
  );
  return {
    bucket: { ...base, versioning, objectLock, lifecycle, policy, accessLogging },
    trail,
    logGroup,
    logGroupName,
    role,
  };
}
