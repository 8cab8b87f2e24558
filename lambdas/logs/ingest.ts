// One HTTP request to the log ingest endpoint, start to answer, with everything it needs passed
// in (the handler reads the environment and the secret). Order matters: the signature is checked
// on the raw bytes before anything is parsed, and nothing is stored unless the whole delivery
// is valid. Every answer carries `x-vercel-verify`, which Vercel reads when the drain is created.
import type { S3Client } from "@aws-sdk/client-s3";
import { DIMENSION, METRIC } from "../core/contract";
import type { MetricsSink } from "../core/metrics";
import { DrainEntry, MalformedDelivery, parseDelivery, verifySignature } from "./drain";
import { deliveryStats, emitDeliveryMetrics } from "./metrics";
import { planObjects, writeLogObjects } from "./store";

/**
 * 6 MB, what a Function URL takes as a request: a refused delivery is lost logs, so accept all
 * it passes. A refusal is counted (LogDeliveriesTooLarge), and that metric pages.
 */
export const DEFAULT_MAX_BYTES = 6_000_000;

export interface IngestRequest {
  method: string;
  /** Header names lowercased. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface IngestResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface IngestDeps {
  /** The drain's signature secret, or how to fetch it (only POSTs need it). */
  secret: string | (() => Promise<string>);
  /** Vercel's endpoint verification code, answered on every response when set. */
  verifyCode?: string;
  maxBytes: number;
  s3: S3Client;
  bucket: string;
  appName: string;
  metrics: MetricsSink;
  now?: () => Date;
  /** Where a storage failure is reported (the Lambda's log); never given the body. */
  logError?: (message: string) => void;
}

export async function ingestDelivery(request: IngestRequest, deps: IngestDeps): Promise<IngestResponse> {
  const answer = (statusCode: number, body: object): IngestResponse => ({
    statusCode,
    headers: { "content-type": "application/json", ...(deps.verifyCode ? { "x-vercel-verify": deps.verifyCode } : {}) },
    body: JSON.stringify(body),
  });

  const method = request.method.toUpperCase();
  if (method === "GET" || method === "HEAD") return answer(200, { ok: true });
  if (method !== "POST") return answer(405, { error: "method not allowed" });

  const secret = typeof deps.secret === "string" ? deps.secret : await deps.secret();
  if (!verifySignature(request.body, request.headers["x-vercel-signature"], secret))
    return answer(403, { error: "invalid signature" });
  if (request.body.length > deps.maxBytes) {
    deps.metrics.emit(
      { [DIMENSION.app]: deps.appName },
      { [METRIC.logDeliveriesTooLarge]: { value: 1, unit: "Count" } },
    );
    return answer(413, { error: `delivery of ${request.body.length} bytes is over the ${deps.maxBytes}-byte limit` });
  }

  let entries: DrainEntry[];
  try {
    entries = parseDelivery(request.body);
  } catch (error) {
    if (error instanceof MalformedDelivery) return answer(400, { error: `malformed delivery: ${error.message}` });
    throw error;
  }

  const objects = planObjects(entries, request.body, (deps.now ?? (() => new Date()))());
  try {
    await writeLogObjects(deps.s3, deps.bucket, objects);
  } catch (error) {
    (deps.logError ?? console.error)(error instanceof Error ? error.message : String(error));
    return answer(500, { error: "could not store the delivery; retry" });
  }

  const stats = deliveryStats(entries);
  emitDeliveryMetrics(deps.metrics, deps.appName, stats);
  const { durationsMs, ...counts } = stats;
  return answer(200, { ...counts, durations: durationsMs.length, objects: objects.map((o) => o.key) });
}
