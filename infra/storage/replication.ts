// The optional copy of the backups to a second AWS account, in the same region (the data
// stays in France): S3 replication with the destination's own key and Object Lock, owned by
// the destination account, delete markers not replicated. An admin of this account can then
// erase neither the original (Object Lock, bucket policy) nor the copy (another account).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "./policies";
import { destinationBucketStatements, destinationKeyStatement, replicationRoleStatements } from "./protection";

export interface BackupsCopy {
  /** The destination account (12 digits), different from the stack's. */
  accountId: string;
  /** The destination bucket's name: versioned, Object Lock enabled, in the stack's region. */
  bucket: string;
  /** The destination account's KMS key (full key ARN) the replicas are encrypted with. */
  kmsKeyArn: string;
}

export interface BackupsReplicationArgs {
  source: aws.s3.Bucket;
  sourceKeyArn: pulumi.Input<string>;
  /** Replication needs versioning on the source first. */
  versioning: aws.s3.BucketVersioning;
  copy: BackupsCopy;
  account: pulumi.Output<{ partition: string; region: string }>;
}

export interface BackupsReplication {
  role: aws.iam.Role;
  replication: aws.s3.BucketReplicationConfig;
  /** What the destination account applies: its bucket policy and one statement of its key policy. */
  destinationPolicies: pulumi.Output<{ bucketPolicy: string; keyPolicyStatement: string }>;
}

export function backupsReplication(
  name: string,
  args: BackupsReplicationArgs,
  opts: pulumi.CustomResourceOptions,
): BackupsReplication {
  const { copy } = args;
  const destinationArn = args.account.apply((a) => `arn:${a.partition}:s3:::${copy.bucket}`);
  const role = new aws.iam.Role(
    `${name}-replication`,
    {
      // A fixed name: the destination account's policies name this role and must not go stale.
      name: `${name}-replication`,
      description: "elegance-ops: copies the backups to the second account",
      assumeRolePolicy: policyDocument([
        { Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]),
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-replication`,
    {
      role: role.id,
      policy: pulumi
        .all([args.source.arn, args.sourceKeyArn, destinationArn, args.account])
        .apply(([sourceArn, keyArn, bucketArn, a]) =>
          policyDocument(
            replicationRoleStatements(
              sourceArn,
              keyArn,
              { accountId: copy.accountId, bucketArn, kmsKeyArn: copy.kmsKeyArn },
              a.region,
            ),
          ),
        ),
    },
    opts,
  );
  const replication = new aws.s3.BucketReplicationConfig(
    `${name}-replication`,
    {
      bucket: args.source.id,
      role: role.arn,
      rules: [
        {
          id: "copy-to-second-account",
          status: "Enabled",
          filter: {},
          // Deleting a backup here must not delete it there.
          deleteMarkerReplication: { status: "Disabled" },
          // Every backup is SSE-KMS; without this S3 skips KMS-encrypted objects.
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: destinationArn,
            account: copy.accountId,
            accessControlTranslation: { owner: "Destination" },
            encryptionConfiguration: { replicaKmsKeyId: copy.kmsKeyArn },
          },
        },
      ],
    },
    { ...opts, dependsOn: [args.versioning] },
  );
  const destinationPolicies = pulumi.all([destinationArn, role.arn, args.account]).apply(([bucketArn, roleArn, a]) => ({
    bucketPolicy: policyDocument(destinationBucketStatements(bucketArn, roleArn)),
    keyPolicyStatement: JSON.stringify(destinationKeyStatement(roleArn, bucketArn, a.region)),
  }));
  return { role, replication, destinationPolicies };
}
