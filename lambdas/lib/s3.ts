// The one S3 client factory for the Lambdas and the CLI, configured from the environment only,
// so tests reach a local S3-compatible server the same way production reaches AWS.
import { paginateListObjectsV2, S3Client, type S3ClientConfig, type _Object } from "@aws-sdk/client-s3";

/** A wrong S3 setting in the environment: the operator fixes the variable (the CLI exits 2). */
export class S3ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "S3ConfigError";
  }
}

/** Until the TCP connection is up; an endpoint that does not accept is given up on quickly. */
export const S3_CONNECT_TIMEOUT_MS = 5_000;
/** A socket silent this long (nothing sent nor received) is abandoned; the request is retried. */
export const S3_IDLE_TIMEOUT_MS = 20_000;
/** Attempts per request (the first included), with the SDK's backoff between them. */
export const S3_MAX_ATTEMPTS = 3;

/**
 * - AWS_REGION: the region (else the SDK's own resolution).
 * - AWS_ENDPOINT_URL_S3: a custom S3-compatible endpoint (tests, local runs); path-style
 *   addressing then, since such servers rarely resolve bucket subdomains.
 * - AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in `env`: static credentials
 *   (how the Lambda runtime passes its role's); else the SDK's default provider chain.
 * - S3_IDLE_TIMEOUT_MS: how long a silent socket is waited for (default 20 s).
 *
 * Every request has a connect and an idle timeout and at most S3_MAX_ATTEMPTS attempts, so an
 * endpoint that never answers fails in bounded time; every error names the endpoint and bucket.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const idle = env.S3_IDLE_TIMEOUT_MS?.trim() ? Number(env.S3_IDLE_TIMEOUT_MS) : S3_IDLE_TIMEOUT_MS;
  if (!Number.isInteger(idle) || idle <= 0)
    throw new S3ConfigError(
      `S3_IDLE_TIMEOUT_MS must be a positive number of milliseconds, got ${JSON.stringify(env.S3_IDLE_TIMEOUT_MS)}`,
    );
  const config: S3ClientConfig = {
    maxAttempts: S3_MAX_ATTEMPTS,
    // socketTimeout is inactivity, not total time: a big part uploading for minutes is never cut.
    requestHandler: { connectionTimeout: Math.min(S3_CONNECT_TIMEOUT_MS, idle), socketTimeout: idle },
  };
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
    if (!/^https?:\/\/[^/]/.test(endpoint) || !URL.canParse(endpoint)) {
      throw new S3ConfigError(
        `AWS_ENDPOINT_URL_S3 must be an http(s):// URL of an S3-compatible server, got ${JSON.stringify(endpoint)}`,
      );
    }
    config.endpoint = endpoint;
    config.forcePathStyle = true;
    // Since SDK 3.729 every upload carries a CRC32 by default, and a streamed body is sent
    // aws-chunked with a trailing checksum; S3-compatible servers that don't decode that
    // (s3rver, older MinIO, ...) store the chunk framing as object data. So against a custom
    // endpoint, checksum only where an operation requires it; on AWS the defaults stay.
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
  }
  const client = new S3Client(config);
  const where = endpoint ?? `AWS S3${env.AWS_REGION ? ` (${env.AWS_REGION})` : ""}`;
  // Outermost step: the message names where the request went, once, after the SDK's retries.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const bucket = (args.input as { Bucket?: string }).Bucket;
        if (error instanceof Error && !error.message.includes(where))
          error.message = `${error.message} (${where}${bucket ? `, bucket ${bucket}` : ""})`;
        throw error;
      }
    },
    { step: "initialize", name: "nameEndpointAndBucket" },
  );
  return client;
}

/**
 * The objects under a prefix, every page (the SDK's paginator), or only the first `limit`
 * (in key order), from the first key after `startAfter` when given. `signal` aborts the listing.
 */
export async function listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { signal?: AbortSignal; limit?: number; startAfter?: string } = {},
): Promise<_Object[]> {
  const objects: _Object[] = [];
  const pages = paginateListObjectsV2(
    { client: s3, ...(options.limit ? { pageSize: options.limit } : {}) },
    { Bucket: bucket, Prefix: prefix, ...(options.startAfter ? { StartAfter: options.startAfter } : {}) },
    { abortSignal: options.signal },
  );
  for await (const page of pages) {
    objects.push(...(page.Contents ?? []));
    if (options.limit && objects.length >= options.limit) return objects.slice(0, options.limit);
  }
  return objects;
}
