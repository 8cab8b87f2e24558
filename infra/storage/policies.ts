// Policy documents for the storage component, as plain data built from ARNs.
// Kept apart from the resources so the statements read (and are tested) as a whole.

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  /** Resource policies name who; identity (role) policies don't. */
  Principal?: "*" | { Service: string | string[] } | { AWS: string | string[] };
  Action: string | string[];
  /** Absent only in trust policies (and where NotResource says what is excluded). */
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * The trust policy of a role an AWS service assumes on this account's behalf only
 * (`aws:SourceAccount`: the confused-deputy guard).
 */
export const serviceTrust = (service: string) => (accountId: string) =>
  policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ]);

/** Denies plain-HTTP requests and TLS older than 1.2, whoever makes them. */
export function denyInsecureTransport(bucketArn: string): PolicyStatement[] {
  const Resource = [bucketArn, `${bucketArn}/*`];
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyTlsOlderThan12",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource,
      Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
    },
  ];
}

/** What CloudTrail needs to write the trail under `security/` (scoped to our own trail). */
export function cloudTrailWrite(
  bucketArn: string,
  prefix: string,
  accountId: string,
  trailArn: string,
): PolicyStatement[] {
  return [
    {
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: bucketArn,
      Condition: { StringEquals: { "aws:SourceArn": trailArn } },
    },
    {
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/${prefix}/AWSLogs/${accountId}/*`,
      Condition: {
        StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn },
      },
    },
  ];
}

/** Lets S3's log delivery write the server access logs of `sourceBucketArn` under `prefix`. */
export function serverAccessLogsWrite(
  bucketArn: string,
  prefix: string,
  sourceBucketArn: string,
  accountId: string,
): PolicyStatement {
  return {
    Sid: "S3ServerAccessLogsWrite",
    Effect: "Allow",
    Principal: { Service: "logging.s3.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: `${bucketArn}/${prefix}*`,
    Condition: {
      ArnLike: { "aws:SourceArn": sourceBucketArn },
      StringEquals: { "aws:SourceAccount": accountId },
    },
  };
}

export interface KeyPolicyArgs {
  accountId: string;
  region: string;
  partition: string;
  trailArn: string;
}

/**
 * The customer-managed key's policy: the account administers it through IAM, and the AWS
 * services that write encrypted data for us (CloudTrail, CloudWatch Logs, S3 log delivery)
 * may use it, each only on behalf of this account.
 */
export function keyPolicy({ accountId, region, partition, trailArn }: KeyPolicyArgs): PolicyStatement[] {
  const account = `arn:${partition}:iam::${accountId}:root`;
  return [
    {
      Sid: "AccountAdministersKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: account },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "CloudTrailEncryptsLogs",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceArn": trailArn },
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${accountId}:trail/*`,
        },
      },
    },
    {
      Sid: "CloudTrailDescribesKey",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:DescribeKey",
      Resource: "*",
    },
    {
      Sid: "CloudWatchLogsEncryptsLogGroups",
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: {
        ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*` },
      },
    },
    {
      Sid: "S3LogDeliveryEncryptsAccessLogs",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "kms:GenerateDataKey",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
    {
      // Alarms publish to the KMS-encrypted paging topics; SNS asks for a data key on their behalf.
      Sid: "CloudWatchAlarmsPublishToEncryptedTopics",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ];
}
