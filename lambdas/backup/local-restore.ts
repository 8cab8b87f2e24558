// The drill's restore: the object downloaded to a local file (gunzipped on the way, its sha-256
// checked on the way), then `pg_restore --jobs <cores>` from that file, which restores tables
// and builds indexes on several connections. Only for the drill's scratch database: nothing
// else sees it before the checks, so it needs no single transaction; a mismatching checksum
// is still caught before anything is restored. The restore command (restore.ts) keeps its
// one transaction and its commit after the checksum.
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statfsSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";
import { createGunzip } from "node:zlib";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Manifest } from "./manifest";
import { runTool } from "./pg-tools";
import { ChecksumMismatchError, type RestoreResult } from "./restore";

// A dump of COPY text gzips about 3-6x; for backups whose manifest predates archiveBytes.
const GZIP_RATIO_ESTIMATE = 8;

/** Bytes of the uncompressed archive, exact when the manifest records it. */
export const archiveSize = (manifest: Manifest) =>
  manifest.archiveBytes ??
  (manifest.compression === "gzip" ? manifest.sizeBytes * GZIP_RATIO_ESTIMATE : manifest.sizeBytes);

/**
 * Whether `dir`'s file system holds the archive and, beside it, the scratch database the
 * restore fills (counted as twice the archive: tables plus their indexes).
 */
export function roomForLocalCopy(manifest: Manifest, dir = tmpdir()): boolean {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize >= 3 * archiveSize(manifest);
}

/** The object, gunzipped, into `file`; throws ChecksumMismatchError unless every byte matched the manifest. */
export async function downloadArchive(
  s3: S3Client,
  bucket: string,
  manifest: Manifest,
  file: string,
): Promise<{ bytes: number; sha256: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifest.key }));
  const body = object.Body as Readable;
  const out = createWriteStream(file);
  let sinkError: Error | undefined;
  // Settles on the first gunzip or disk error, or when the file is written and closed.
  let finished!: () => void;
  const stopped = new Promise<void>((resolve) => (finished = resolve));
  const fail = (e: Error) => {
    sinkError ??= e;
    finished();
  };
  out.on("error", fail).on("close", () => finished());
  let sink: Writable = out;
  if (manifest.compression === "gzip") {
    const gunzip = createGunzip();
    gunzip.on("error", (e) => fail(new Error(`${manifest.key} does not gunzip: ${e.message}`)));
    gunzip.pipe(out);
    sink = gunzip;
  }
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      // After a gunzip or disk error, keep reading: the checksum tells whether the object was the cause.
      if (!sinkError && !sink.write(chunk)) await Promise.race([once(sink, "drain").catch(() => undefined), stopped]);
    }
  } catch (error) {
    out.destroy();
    throw error;
  }
  if (!sinkError) {
    sink.end();
    await stopped;
  }
  out.destroy();
  const sha256 = hash.digest("hex");
  if (sha256 !== manifest.sha256 || bytes !== manifest.sizeBytes) {
    throw new ChecksumMismatchError(
      `checksum mismatch for ${manifest.key}: read ${bytes} bytes with sha-256 ${sha256}, the manifest says ${manifest.sizeBytes} bytes with sha-256 ${manifest.sha256}; the object is corrupt or not this backup; nothing was restored`,
    );
  }
  if (sinkError) throw sinkError;
  return { bytes, sha256 };
}

/** Downloads (checksum verified) and restores with `pg_restore --jobs` into `targetUrl`'s database, which must exist. */
export async function restoreInParallel(options: {
  s3: S3Client;
  bucket: string;
  manifest: Manifest;
  targetUrl: string;
  jobs?: number;
  env?: NodeJS.ProcessEnv;
}): Promise<RestoreResult> {
  const started = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), "elegance-drill-"));
  try {
    const file = path.join(dir, "archive.dump");
    const { bytes, sha256 } = await downloadArchive(options.s3, options.bucket, options.manifest, file);
    const database = decodeURIComponent(new URL(options.targetUrl).pathname.replace(/^\//, ""));
    // The connection comes from libpq's environment; --dbname only names the database.
    const jobs = Math.max(1, options.jobs ?? availableParallelism());
    await runTool(
      "pg_restore",
      ["--exit-on-error", `--jobs=${jobs}`, `--dbname=${database}`, file],
      options.targetUrl,
      { application: "drill", env: options.env },
    );
    return {
      key: options.manifest.key,
      bytes,
      sha256,
      durationMs: Math.round(performance.now() - started),
      skipped: [],
      ownedByRestoringRole: false,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
