// OSV's details kept in the logs bucket between weekly runs (one JSON object: id → modified and
// details), so an advisory unchanged since the last run costs no request. A cache that cannot be
// read is an empty one (the scan fetches again); one that cannot be written is a warning.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { OsvDetailCache, OsvVuln } from "./advisories";
import { LOG_PREFIXES } from "../core/contract";

/** Under the security prefix, so its retention applies (each run rewrites the object: it never expires in use). */
export const OSV_CACHE_PREFIX = `${LOG_PREFIXES.security}osv-cache/`;
export const OSV_CACHE_KEY = `${OSV_CACHE_PREFIX}details.json`;

export interface StoredOsvCache {
  entries: OsvDetailCache;
  /** Why it was not read (absent when read, or when there was none yet). */
  problem?: string;
  size: number;
}

export async function loadOsvCache(s3: S3Client, bucket: string): Promise<StoredOsvCache> {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: OSV_CACHE_KEY }));
    const data = JSON.parse(await answer.Body!.transformToString()) as Record<
      string,
      { modified: string; vuln: OsvVuln }
    >;
    const entries: OsvDetailCache = new Map(Object.entries(data));
    return { entries, size: entries.size };
  } catch (error) {
    const e = error as Error;
    if (e.name === "NoSuchKey") return { entries: new Map(), size: 0 };
    return {
      entries: new Map(),
      size: 0,
      problem: `s3://${bucket}/${OSV_CACHE_KEY} not read: ${e.name}: ${e.message}`,
    };
  }
}

/** Rewrites the cache when the scan added to it; the warning to report when it could not. */
export async function saveOsvCache(s3: S3Client, bucket: string, cache: StoredOsvCache): Promise<string | undefined> {
  if (cache.entries.size === cache.size && !cache.problem) return undefined;
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: OSV_CACHE_KEY,
        Body: JSON.stringify(Object.fromEntries(cache.entries)),
        ContentType: "application/json",
      }),
    );
    return undefined;
  } catch (error) {
    const e = error as Error;
    return `s3://${bucket}/${OSV_CACHE_KEY} not written: ${e.name}: ${e.message}`;
  }
}
