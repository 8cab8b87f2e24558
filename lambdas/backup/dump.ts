// The backup task: pg_dump's custom format streamed into an S3 multipart upload (never the
// whole dump in memory or on disk), sha-256 and size computed on the way, row counts read in
// the very snapshot pg_dump dumps, the roles beside it, and the manifest written last.
// pg_dump writes the archive uncompressed and gzip runs on every core (ParallelGzip): pg_dump's
// own compression is one thread, which caps the backup at one core's deflate speed.
import { createHash } from "node:crypto";
import { PassThrough, Transform } from "node:stream";
import {
  AbortMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { multipartUpload } from "../lib/multipart-upload";
import { ParallelGzip } from "../lib/parallel-gzip";
import { runTask } from "../core/session";
import { phaseTimer } from "../core/task";
import { exportSnapshot, readInventory } from "./inventory";
import { BACKUP_PREFIXES } from "../core/contract";
import { backupKeys, type Manifest, type RetentionTier } from "./manifest";
import { runTool, startTool, toolVersion } from "./pg-tools";

export interface BackupOptions {
  /** A role that can read every table (Supabase: `postgres`); direct or session-mode connection. */
  databaseUrl: string;
  s3: S3Client;
  bucket: string;
  now?: () => Date;
  timezone?: string;
  /** Keep the January 1st backup as yearly (backups.retention.yearlyDays is set). */
  keepYearly?: boolean;
  /** Object Lock retention of each object (the bucket's default applies when absent). */
  objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
  /** Multipart part size; memory holds 3 parts (2 uploading, 1 filling). @default partSizeFor(the database's size) */
  partSizeBytes?: number;
  /** gzip level of the dump. @default 6 (pg_dump's and gzip's default) */
  compressionLevel?: number;
  /** Bytes dumped so far (the CLI draws a progress line). */
  onProgress?: (bytes: number) => void;
  env?: NodeJS.ProcessEnv;
}

export type BackupResult =
  | { skipped: string }
  | {
      skipped?: undefined;
      manifest: Manifest;
      abortedStaleUploads: number;
      /** Milliseconds per phase (logs, bench). */ phases: Record<string, number>;
    };

const MiB = 1024 * 1024;
// S3 allows 10,000 parts of at least 5 MiB; keep a margin under the count.
const MAX_PARTS = 9_000;

/**
 * The smallest part size (so the least memory) that fits the dump in S3's part count. The
 * dump is smaller than the database it comes from (no indexes, compressed), so its size bounds it.
 */
export function partSizeFor(databaseBytes: number): number {
  return Math.max(5, Math.ceil(databaseBytes / MAX_PARTS / MiB)) * MiB;
}

/** Counts and hashes the bytes that pass, unchanged. */
export class HashingCounter extends Transform {
  private readonly hash = createHash("sha256");
  bytes = 0;
  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }
  digest(): string {
    return this.hash.digest("hex");
  }
}

function objectParams(
  bucket: string,
  key: string,
  tier: RetentionTier,
  lock: BackupOptions["objectLock"],
  at: Date,
): PutObjectCommandInput {
  return {
    Bucket: bucket,
    Key: key,
    // The lifecycle rules of the bucket expire each tier after its configured days.
    Tagging: `retention=${tier}`,
    ...(lock
      ? { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(at.getTime() + lock.days * 86_400_000) }
      : {}),
  };
}

/**
 * Multipart uploads left by a run that died (Lambda timeout, killed CLI) hold parts nobody
 * will complete. Runs never overlap (advisory lock), so any pending upload under the backup
 * prefixes is such a leftover: abort it rather than wait a day for the lifecycle rule.
 */
export async function abortStaleUploads(s3: S3Client, bucket: string): Promise<number> {
  let aborted = 0;
  for (const prefix of BACKUP_PREFIXES) {
    const { Uploads = [] } = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    for (const u of Uploads) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }));
      aborted += 1;
    }
  }
  return aborted;
}

export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const env = options.env ?? process.env;
  const pgDumpVersion = toolVersion("pg_dump", env);
  // Counting rows of big tables takes a while: no statement limit for this read-only session.
  const limits = { statementTimeoutMs: 0 };
  return runTask<BackupResult>(
    "backup",
    options.databaseUrl,
    { limits, skipped: () => ({ skipped: "already running" }) },
    async (client) => {
      const timer = phaseTimer(performance.now());
      // Leftover uploads are aborted before ours exists (it would be one of them), meanwhile the server is read.
      const [abortedStaleUploads, { rows }] = await Promise.all([
        abortStaleUploads(options.s3, options.bucket),
        client.query<{ db: string; version: string; major: string; bytes: string }>(
          `SELECT current_database() AS db, current_setting('server_version') AS version,
                current_setting('server_version_num')::int / 10000 AS major, pg_database_size(current_database()) AS bytes`,
        ),
      ]);
      const { db, version, major, bytes } = rows[0];
      if (Number.parseInt(pgDumpVersion, 10) < Number(major)) {
        throw new Error(
          `pg_dump ${pgDumpVersion} is older than the server (${version}); it cannot dump it: install the PostgreSQL ${major} client`,
        );
      }
      const startedAt = (options.now ?? (() => new Date()))();
      const clock = performance.now();
      const snapshot = await exportSnapshot(client);
      timer.mark("setup");
      const keys = backupKeys(db, startedAt, { timezone: options.timezone, keepYearly: options.keepYearly });
      const partSizeBytes = options.partSizeBytes ?? partSizeFor(Number(bytes));
      // The fixed costs run beside the dump, not before or after it: the row counts in the
      // exported snapshot (this session, whose transaction pg_dump shares), and the roles.
      // A failure of any one fails the backup; the manifest is written only after all of them.
      const dumping = streamDump({ ...options, partSizeBytes }, snapshot, keys.key, keys.tier, startedAt, () =>
        timer.mark("dump"),
      );
      dumping.catch(() => undefined); // awaited below, after the others settle
      const counting = readInventory(client);
      // For a restore into a new project; passwords are never read (nor readable on Supabase).
      const roles = runTool("pg_dumpall", ["--roles-only", "--no-role-passwords"], options.databaseUrl, {
        application: "backup",
        env,
      });
      const [dumped, inventory, rolesSql] = await settleAll([dumping, counting, roles] as const);
      await client.query("COMMIT");
      // Uploaded once the dump is: a failed run leaves no object behind.
      await options.s3.send(
        new PutObjectCommand({
          ...objectParams(options.bucket, keys.rolesKey, keys.tier, options.objectLock, startedAt),
          Body: rolesSql,
          ContentType: "application/sql",
        }),
      );
      timer.mark("upload tail, counts, roles");
      const manifest: Manifest = {
        manifestVersion: 1,
        database: db,
        serverVersion: version,
        pgDumpVersion,
        format: "custom",
        compression: "gzip",
        startedAt: startedAt.toISOString(),
        finishedAt: new Date(startedAt.getTime() + Math.round(performance.now() - clock)).toISOString(),
        key: keys.key,
        sizeBytes: dumped.bytes,
        sha256: dumped.sha256,
        archiveBytes: dumped.archiveBytes,
        rolesKey: keys.rolesKey,
        tier: keys.tier,
        ...inventory,
      };
      // Written last: its presence is what makes the dump a backup.
      await options.s3.send(
        new PutObjectCommand({
          ...objectParams(options.bucket, keys.manifestKey, keys.tier, options.objectLock, startedAt),
          Body: JSON.stringify(manifest, null, 2),
          ContentType: "application/json",
        }),
      );
      timer.mark("manifest");
      return { manifest, abortedStaleUploads, phases: timer.phases };
    },
  );
}

/**
 * Waits for every promise to settle (nothing left running behind a failure), then throws the
 * first failure in argument order (the dump's first: its message says most).
 */
async function settleAll<T extends readonly unknown[]>(promises: {
  readonly [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** pg_dump → gzip → hash/count → multipart upload; the upload completes only when pg_dump exited 0. */
async function streamDump(
  options: BackupOptions,
  snapshot: string,
  key: string,
  tier: RetentionTier,
  at: Date,
  onDumped: () => void,
): Promise<{ bytes: number; sha256: string; archiveBytes: number }> {
  const { child, exited } = startTool(
    "pg_dump",
    ["--format=custom", "--compress=0", `--snapshot=${snapshot}`, "--no-password", "--lock-wait-timeout=120000"],
    options.databaseUrl,
    { application: "backup", env: options.env },
  );
  const counter = new HashingCounter(options.onProgress);
  // The body ends only after pg_dump exited 0; a failed dump errors the body, so the upload
  // aborts instead of completing a truncated object.
  const body = new PassThrough();
  const gzip = new ParallelGzip({ level: options.compressionLevel });
  gzip.on("error", (error) => body.destroy(error));
  child.stdout.pipe(gzip).pipe(counter).pipe(body, { end: false });
  const drained = new Promise<void>((resolve) => counter.on("end", resolve));
  Promise.all([exited, drained]).then(
    () => {
      onDumped();
      body.end();
    },
    (error: Error) => body.destroy(error),
  );
  let dumpError: Error | undefined;
  exited.catch((e: Error) => (dumpError = e));
  try {
    const params = {
      ...objectParams(options.bucket, key, tier, options.objectLock, at),
      ContentType: "application/octet-stream",
    };
    await multipartUpload(options.s3, params, body, { partSize: options.partSizeBytes!, queueSize: 2 });
  } catch (error) {
    // When pg_dump failed first, its own message says more than the aborted upload's.
    const cause = dumpError ?? (error as Error);
    child.kill("SIGKILL");
    throw cause;
  }
  await exited;
  const head = await options.s3.send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }));
  if (head.ContentLength !== counter.bytes) {
    throw new Error(
      `uploaded ${key} is ${head.ContentLength} bytes, pg_dump wrote ${counter.bytes}; no manifest written`,
    );
  }
  return { bytes: counter.bytes, sha256: counter.digest(), archiveBytes: gzip.bytesIn };
}
