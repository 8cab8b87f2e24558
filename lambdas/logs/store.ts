// Where and how drain entries are kept: gzip NDJSON objects of the delivered lines, under
// `<app|access>/vercel/YYYY/MM/DD/` by each entry's own UTC date (so one delivery may make
// several objects). The key ends with a hash of the delivery's body: concurrent deliveries
// never share a key, and a delivery Vercel retries (same body) overwrites its own objects
// instead of duplicating them. The daily log check reads them back with readLogLines.
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { VERCEL_LOGS_PREFIX } from "../core/contract";
import { classify, DrainEntry, entryTime, LogKind } from "./drain";

export interface LogObject {
  key: string;
  kind: LogKind;
  entries: DrainEntry[];
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `2026/11/24/` for an instant, in UTC. */
export function datePath(at: Date): string {
  return `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/`;
}

/** `app/vercel/2026/11/24/` */
export const partitionPrefix = (kind: LogKind, at: Date) => `${VERCEL_LOGS_PREFIX[kind]}${datePath(at)}`;

/**
 * The objects a delivery makes: entries grouped by kind and UTC date, in arrival order. Entries
 * without a usable timestamp are dated `receivedAt`. Keys: the group's first entry time, then
 * the body's hash, e.g. `access/vercel/2026/11/24/071502Z-<24 hex>.ndjson.gz`.
 */
export function planObjects(entries: DrainEntry[], rawBody: Buffer, receivedAt: Date): LogObject[] {
  const hash = createHash("sha256").update(rawBody).digest("hex").slice(0, 24);
  const groups = new Map<string, { kind: LogKind; first: number; entries: DrainEntry[] }>();
  for (const entry of entries) {
    const at = new Date(entryTime(entry.value) ?? receivedAt.getTime());
    const kind = classify(entry.value);
    const prefix = partitionPrefix(kind, at);
    const group = groups.get(prefix) ?? { kind, first: at.getTime(), entries: [] };
    group.first = Math.min(group.first, at.getTime());
    group.entries.push(entry);
    groups.set(prefix, group);
  }
  return [...groups].map(([prefix, g]) => {
    const first = new Date(g.first);
    const time = `${pad(first.getUTCHours())}${pad(first.getUTCMinutes())}${pad(first.getUTCSeconds())}Z`;
    return { key: `${prefix}${time}-${hash}.ndjson.gz`, kind: g.kind, entries: g.entries };
  });
}

/** Writes every object of a delivery; throws when any write fails (the caller answers 500, Vercel retries). */
export async function writeLogObjects(s3: S3Client, bucket: string, objects: LogObject[]): Promise<void> {
  const results = await Promise.allSettled(
    objects.map((o) =>
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: o.key,
          Body: gzipSync(o.entries.map((e) => `${e.text}\n`).join("")),
          ContentType: "application/gzip",
        }),
      ),
    ),
  );
  const failed = results.flatMap((r, i) =>
    r.status === "rejected"
      ? [`${objects[i].key}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`]
      : [],
  );
  if (failed.length)
    throw new Error(`could not store ${failed.length} of ${objects.length} log objects: ${failed.join("; ")}`);
}

/** The lines of one stored object, as delivered. */
export async function readLogLines(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<string[]> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  const bytes = await object.Body!.transformToByteArray();
  return gunzipSync(bytes)
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "");
}
