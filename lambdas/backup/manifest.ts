// A backup is three objects: the dump, the roles beside it, and the manifest written last.
// A dump without its manifest is incomplete by definition and never offered for restore.
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { listObjects } from "../lib/s3";
import { BACKUP_PREFIXES } from "../core/contract";

export const MANIFEST_SUFFIX = ".manifest.json";
export const ROLES_SUFFIX = ".roles.sql";

export type RetentionTier = "daily" | "monthly" | "yearly";

export interface TableCount {
  schema: string;
  name: string;
  rows: number;
}

/** What the database held at the snapshot the dump was taken from. */
export interface Inventory {
  tables: TableCount[];
  schemas: string[];
  extensions: { name: string; version: string }[];
  /** `schema.table` of the tables with row-level security enabled. */
  rlsTables: string[];
  /** `schema.table: policy name` of every row-level security policy. */
  policies: string[];
}

export interface Manifest extends Inventory {
  manifestVersion: 1;
  database: string;
  serverVersion: string;
  pgDumpVersion: string;
  format: "custom";
  /**
   * "gzip": the archive was written uncompressed (pg_dump --compress=0) and gzipped around it,
   * so the object is `gunzip | pg_restore`'s input. Absent: pg_dump compressed inside it.
   */
  compression?: "gzip";
  startedAt: string;
  finishedAt: string;
  /** The dump object: its key, exact byte size and sha-256 (hex), computed on the stream. */
  key: string;
  sizeBytes: number;
  sha256: string;
  /** Bytes of the archive inside the gzip (what a restore writes to disk when it keeps a copy). */
  archiveBytes?: number;
  rolesKey: string;
  tier: RetentionTier;
}

/** `daily/2026/11/27/postgres-20261127T020000Z.dump.gz` → its manifest's key. */
export const manifestKeyOf = (dumpKey: string) => `${dumpKey}${MANIFEST_SUFFIX}`;

/**
 * The object keys of a backup taken at `at`: under `monthly/` on the first day of the month
 * (Paris time, kept as monthly; on January 1st as yearly when yearly backups are kept), else
 * under `daily/`. Dates are the guide's time zone; the timestamp is UTC, so keys sort.
 */
export function backupKeys(database: string, at: Date, options: { timezone?: string; keepYearly?: boolean } = {}) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: options.timezone ?? "Europe/Paris",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  ) as Record<"year" | "month" | "day", string>;
  const firstOfMonth = parts.day === "01";
  const tier: RetentionTier = firstOfMonth
    ? parts.month === "01" && options.keepYearly
      ? "yearly"
      : "monthly"
    : "daily";
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const safeName = database.replace(/[^A-Za-z0-9_.-]/g, "_");
  const key = `${firstOfMonth ? "monthly" : "daily"}/${parts.year}/${parts.month}/${parts.day}/${safeName}-${stamp}.dump.gz`;
  return { key, manifestKey: manifestKeyOf(key), rolesKey: `${key}${ROLES_SUFFIX}`, tier };
}

export async function readManifest(s3: S3Client, bucket: string, manifestKey: string): Promise<Manifest> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey }));
  const manifest = JSON.parse(await object.Body!.transformToString("utf8")) as Manifest;
  if (manifest.manifestVersion !== 1 || !manifest.key || !manifest.sha256)
    throw new Error(`${manifestKey} is not a backup manifest`);
  return manifest;
}

/** `…/<db>-20261127T020000Z.dump.gz.manifest.json` → "20261127T020000Z" (the file name if it has none). */
const takenAt = (key: string) => /-(\d{8}T\d{6}Z)\.dump/.exec(key)?.[1] ?? key.split("/").pop()!;

/** Complete backups (those with a manifest), newest first; `limit` manifests read at most. */
export async function listBackups(s3: S3Client, bucket: string, limit = 30): Promise<Manifest[]> {
  const keys = (await Promise.all(BACKUP_PREFIXES.map((p) => listObjects(s3, bucket, p)))).flat().map((o) => o.Key!);
  // Sort on the UTC timestamp in the file name, so daily and monthly interleave by time, and a
  // renamed database (or two databases in one bucket) still sorts by when, not by name.
  const manifests = keys
    .filter((k) => k.endsWith(MANIFEST_SUFFIX))
    .sort((a, b) => (takenAt(a) < takenAt(b) ? 1 : -1))
    .slice(0, limit);
  return Promise.all(manifests.map((k) => readManifest(s3, bucket, k)));
}

/** The backup named does not exist, or is incomplete (the CLI exits 2 on it). */
export class BackupNotFoundError extends Error {}

/** The manifest of `key` (a dump key or its manifest key), or of the newest complete backup for "latest". */
export async function findBackup(s3: S3Client, bucket: string, key: string): Promise<Manifest> {
  if (key === "latest") {
    const [latest] = await listBackups(s3, bucket, 1);
    if (!latest)
      throw new Error(`no complete backup (dump with its manifest) in s3://${bucket}/{${BACKUP_PREFIXES.join(",")}}`);
    return latest;
  }
  const manifestKey = key.endsWith(MANIFEST_SUFFIX) ? key : manifestKeyOf(key);
  try {
    return await readManifest(s3, bucket, manifestKey);
  } catch (e) {
    if ((e as { name?: string }).name !== "NoSuchKey") throw e;
    const dumpKey = key.endsWith(MANIFEST_SUFFIX) ? key.slice(0, -MANIFEST_SUFFIX.length) : key;
    const dumpExists = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: dumpKey })).then(
      () => true,
      (h: { name?: string; $metadata?: { httpStatusCode?: number } }) =>
        h.name === "NotFound" || h.$metadata?.httpStatusCode === 404 ? false : Promise.reject(h),
    );
    if (!dumpExists)
      throw new BackupNotFoundError(
        `--backup ${key}: s3://${bucket}/${dumpKey} does not exist (run \`ops backup list\` for the complete backups)`,
      );
    throw new BackupNotFoundError(
      `--backup ${key}: s3://${bucket}/${dumpKey} has no manifest: it is not a complete backup (run \`ops backup list\`)`,
    );
  }
}
