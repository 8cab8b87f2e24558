// The one S3 client factory for the Lambdas and the CLI, configured from the environment only,
// so tests reach a local S3-compatible server the same way production reaches AWS.
import { paginateListObjectsV2, S3Client, type S3ClientConfig, type _Object } from "@aws-sdk/client-s3";

/**
 * - AWS_REGION: the region (else the SDK's own resolution).
 * - AWS_ENDPOINT_URL_S3: a custom S3-compatible endpoint (tests, local runs); path-style
 *   addressing then, since such servers rarely resolve bucket subdomains.
 * - AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in `env`: static credentials
 *   (how the Lambda runtime passes its role's); else the SDK's default provider chain.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const config: S3ClientConfig = {};
  if (env.AWS_REGION) config.region = env.AWS_REGION;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  const endpoint = env.AWS_ENDPOINT_URL_S3?.trim();
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = true;
    // Since SDK 3.729 every upload carries a CRC32 by default, and a streamed body is sent
    // aws-chunked with a trailing checksum; S3-compatible servers that don't decode that
    // (s3rver, older MinIO, ...) store the chunk framing as object data. So against a custom
    // endpoint, checksum only where an operation requires it; on AWS the defaults stay.
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
  }
  return new S3Client(config);
}

/**
 * The objects under a prefix, every page (the SDK's paginator), or only the first `limit`
 * (in key order). `signal` aborts the listing.
 */
export async function listObjects(s3: S3Client, bucket: string, prefix: string, options: { signal?: AbortSignal; limit?: number } = {}): Promise<_Object[]> {
  const objects: _Object[] = [];
  const pages = paginateListObjectsV2({ client: s3, ...(options.limit ? { pageSize: options.limit } : {}) }, { Bucket: bucket, Prefix: prefix }, { abortSignal: options.signal });
  for await (const page of pages) {
    objects.push(...(page.Contents ?? []));
    if (options.limit && objects.length >= options.limit) return objects.slice(0, options.limit);
  }
  return objects;
}
