import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SecureBucketArgs {
  /** Customer-managed key for default encryption (SSE-KMS with an S3 Bucket Key, which cuts KMS calls). */
  kmsKeyArn: pulumi.Input<string>;
  /** Object Lock can only be switched on when the bucket is created. */
  objectLock?: boolean;
}

export interface SecureBucket {
  bucket: aws.s3.Bucket;
  ownership: aws.s3.BucketOwnershipControls;
  publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  encryption: aws.s3.BucketServerSideEncryptionConfiguration;
}

/**
 * A bucket with the baseline every bucket of this stack shares: ACLs disabled (the
 * bucket owner owns every object), public access blocked on all four switches, and
 * default SSE-KMS with the stack's key. The caller adds the policy, since a bucket has
 * only one and each bucket's grants differ.
 */
export function secureBucket(name: string, args: SecureBucketArgs, opts: pulumi.CustomResourceOptions): SecureBucket {
  const bucket = new aws.s3.Bucket(name, { objectLockEnabled: args.objectLock ?? false, forceDestroy: false }, opts);
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access-block`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    },
    opts,
  );
  return { bucket, ownership, publicAccessBlock, encryption };
}
