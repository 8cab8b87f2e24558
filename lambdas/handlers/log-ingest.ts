// Vercel log drain → logs bucket, behind a Lambda Function URL (payload format 2.0: headers
// lowercased, body base64 when binary). The logic is lambdas/logs/ingest.ts.
import { ENV } from "../core/contract";
import { DEFAULT_INPUTS, requiredEnv } from "../core/inputs";
import { emfMetrics } from "../core/emf";
import { createS3Client } from "../lib/s3";
import { secretValue } from "../lib/secrets";
import { DEFAULT_MAX_BYTES, ingestDelivery, IngestResponse } from "../logs/ingest";

/** The parts of a Function URL event read here. */
export interface FunctionUrlEvent {
  requestContext: { http: { method: string } };
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

let s3: ReturnType<typeof createS3Client> | undefined;

export const handler = async (event: FunctionUrlEvent): Promise<IngestResponse> => {
  const env = process.env;
  const secretArn = requiredEnv(ENV.logDrainSecretArn, env);
  const bucket = requiredEnv(ENV.logsBucket, env);
  const maxBytes = Number(env[ENV.logDrainMaxBytes]);
  return ingestDelivery(
    {
      method: event.requestContext.http.method,
      headers: event.headers ?? {},
      body:
        event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8"),
    },
    {
      secret: () => secretValue(secretArn),
      verifyCode: env[ENV.vercelVerifyCode] || undefined,
      maxBytes: Number.isInteger(maxBytes) && maxBytes > 0 ? maxBytes : DEFAULT_MAX_BYTES,
      s3: (s3 ??= createS3Client()),
      bucket,
      appName: env[ENV.appName] ?? DEFAULT_INPUTS.appName,
      metrics: emfMetrics(),
    },
  );
};
