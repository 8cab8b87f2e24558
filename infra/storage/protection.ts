// Policy documents that keep the backups (and the security logs) out of reach of the
// account's own admins, and those of the copy to a second account. Plain data from ARNs.
import type { PolicyStatement } from "./policies";

/**
 * What would let someone of this account erase a locked object or the protection itself:
 * bypassing GOVERNANCE retention, shortening the lock, replacing or removing this policy,
 * deleting versions, rewriting lifecycle or replication. S3's own lifecycle engine is not
 * a principal, so the stack's rules keep applying.
 */
export const PROTECTED_ACTIONS = [
  "s3:BypassGovernanceRetention",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:DeleteObjectVersion",
  "s3:PutLifecycleConfiguration",
  "s3:PutReplicationConfiguration",
  "s3:PutBucketVersioning",
] as const;

/**
 * Denies {@link PROTECTED_ACTIONS} to every principal but the break-glass role. The deployer
 * is not exempt: a `pulumi up` that changes the bucket's policy, lock, lifecycle or
 * replication runs as the break-glass role (the account's root can still replace a bucket
 * policy, an S3 rule; COMPLIANCE mode is what even root cannot undo).
 */
export function denyExceptBreakGlass(bucketArn: string, breakGlassRoleArn: string): PolicyStatement[] {
  return [
    {
      Sid: "OnlyBreakGlassMayEraseOrUnprotect",
      Effect: "Deny",
      Principal: "*",
      Action: [...PROTECTED_ACTIONS],
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { ArnNotEquals: { "aws:PrincipalArn": breakGlassRoleArn } },
    },
  ];
}

export interface CopyTarget {
  accountId: string;
  bucketArn: string;
  kmsKeyArn: string;
}

export const s3Context = (bucketArn: string) => ({ "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] });

/** The replication role: read versions of the source, write replicas owned by the destination. */
export function replicationRoleStatements(
  sourceArn: string,
  sourceKeyArn: string,
  target: CopyTarget,
  region: string,
): PolicyStatement[] {
  const viaS3 = { "kms:ViaService": `s3.${region}.amazonaws.com` };
  return [
    {
      Sid: "ReadSourceConfiguration",
      Effect: "Allow",
      Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
      Resource: sourceArn,
    },
    {
      Sid: "ReadSourceVersions",
      Effect: "Allow",
      Action: [
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
        "s3:GetObjectRetention",
        "s3:GetObjectLegalHold",
      ],
      Resource: `${sourceArn}/*`,
    },
    {
      // No s3:ReplicateDelete: delete markers are not replicated, the copy keeps everything.
      Sid: "WriteReplicasOwnedByDestination",
      Effect: "Allow",
      Action: ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
      Resource: `${target.bucketArn}/*`,
    },
    {
      Sid: "DecryptSource",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: sourceKeyArn,
      Condition: { StringEquals: viaS3, StringLike: s3Context(sourceArn) },
    },
    {
      Sid: "EncryptWithDestinationKey",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
      Resource: target.kmsKeyArn,
      Condition: { StringEquals: viaS3, StringLike: s3Context(target.bucketArn) },
    },
  ];
}

/** The destination bucket's policy, applied by the destination account (printed as a stack output). */
export function destinationBucketStatements(bucketArn: string, replicationRoleArn: string): PolicyStatement[] {
  const Principal = { AWS: replicationRoleArn };
  return [
    {
      Sid: "EleganceOpsReplicationChecksBucket",
      Effect: "Allow",
      Principal,
      Action: ["s3:List*", "s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"],
      Resource: bucketArn,
    },
    {
      Sid: "EleganceOpsReplicationWritesReplicas",
      Effect: "Allow",
      Principal,
      Action: ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
      Resource: `${bucketArn}/*`,
    },
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ];
}

/** The statement the destination key's policy needs so that S3 encrypts replicas for our role. */
export function destinationKeyStatement(
  replicationRoleArn: string,
  bucketArn: string,
  region: string,
): PolicyStatement {
  return {
    Sid: "EleganceOpsReplicationEncryptsReplicas",
    Effect: "Allow",
    Principal: { AWS: replicationRoleArn },
    Action: ["kms:Encrypt", "kms:GenerateDataKey"],
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` }, StringLike: s3Context(bucketArn) },
  };
}
