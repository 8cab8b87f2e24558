// The drill's restore, overlapping the download with the restore: the object is gunzipped and
// its sha-256 computed on the way, and the archive streams at once into `pg_restore
// --section=pre-data --section=data` (tables and rows, one connection) and, beside it, into a
// local file; once every byte matched the manifest, `pg_restore --section=post-data --jobs
// <cores>` builds the indexes and constraints from that file on several connections. With one
// job there is no file: one pg_restore takes everything from the stream. Only for the drill's
// scratch database: nothing else sees it before the checks, so it needs no single transaction;
// a mismatching checksum fails the drill (which then drops the database) before post-data or
// any check runs. The restore command (restore.ts) keeps its one transaction and its commit
// after the checksum.
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statfsSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import * as path from "node:path";
import { PassThrough, type Writable } from "node:stream";
import { createGunzip } from "node:zlib";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Manifest } from "./manifest";
import { runTool, startTool } from "./pg-tools";
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

interface Sink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

/** A writable as a sink; after `gone` settles (the reader exited) writes are dropped. */
function sinkOf(out: Writable, gone: Promise<unknown>): Sink {
  let closed = false;
  const settled = gone.then(
    () => void (closed = true),
    () => void (closed = true),
  );
  return {
    async write(chunk) {
      if (!closed && !out.write(chunk)) await Promise.race([once(out, "drain").catch(() => undefined), settled]);
    },
    async end() {
      if (!closed) out.end();
    },
  };
}

/**
 * The object's bytes, hashed as they arrive, gunzipped when the backup was, each piece handed to
 * every sink before the next is read. Throws ChecksumMismatchError unless every byte matched the
 * manifest; after a gunzip or sink error it keeps reading, so the checksum tells whether the
 * object was the cause.
 */
export async function streamArchive(
  s3: S3Client,
  bucket: string,
  manifest: Manifest,
  sinks: Sink[],
): Promise<{ bytes: number; sha256: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifest.key }));
  const inflate = manifest.compression === "gzip" ? createGunzip() : new PassThrough();
  let sinkError: Error | undefined;
  const forward = (async () => {
    try {
      for await (const piece of inflate as AsyncIterable<Buffer>) {
        if (!sinkError) await Promise.all(sinks.map((s) => s.write(piece)));
      }
    } catch (e) {
      sinkError ??= new Error(`${manifest.key} does not gunzip: ${(e as Error).message}`);
      return;
    }
    await Promise.all(sinks.map((s) => s.end())).catch((e: Error) => void (sinkError ??= e));
  })();
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of object.Body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!sinkError && !inflate.destroyed && !inflate.write(chunk))
        await Promise.race([once(inflate, "drain").catch(() => undefined), forward]);
    }
  } catch (error) {
    inflate.destroy();
    throw error;
  }
  if (!inflate.destroyed) inflate.end();
  await forward;
  const sha256 = hash.digest("hex");
  if (sha256 !== manifest.sha256 || bytes !== manifest.sizeBytes) {
    throw new ChecksumMismatchError(
      `checksum mismatch for ${manifest.key}: read ${bytes} bytes with sha-256 ${sha256}, the manifest says ${manifest.sizeBytes} bytes with sha-256 ${manifest.sha256}; the object is corrupt or not this backup; the drill's scratch database is dropped`,
    );
  }
  if (sinkError) throw sinkError;
  return { bytes, sha256 };
}

/**
 * Restores the backup into `targetUrl`'s database (which must exist) while it downloads, then
 * (jobs > 1) its indexes and constraints with `pg_restore --jobs` from the local copy.
 */
export async function restoreInParallel(options: {
  s3: S3Client;
  bucket: string;
  manifest: Manifest;
  targetUrl: string;
  jobs?: number;
  env?: NodeJS.ProcessEnv;
}): Promise<RestoreResult> {
  const started = performance.now();
  const jobs = Math.max(1, options.jobs ?? availableParallelism());
  const dir = mkdtempSync(path.join(tmpdir(), "elegance-drill-"));
  const file = path.join(dir, "archive.dump");
  const database = decodeURIComponent(new URL(options.targetUrl).pathname.replace(/^\//, ""));
  // The connection comes from libpq's environment; --dbname only names the database.
  const tool = { application: "drill", env: options.env };
  const streamed = startTool(
    "pg_restore",
    ["--exit-on-error", ...(jobs > 1 ? ["--section=pre-data", "--section=data"] : []), `--dbname=${database}`],
    options.targetUrl,
    { ...tool, stdin: true },
  );
  const restoreIn = streamed.child.stdin!;
  restoreIn.on("error", () => undefined); // an early exit says why in its status, not as EPIPE
  streamed.child.stdout.resume();
  const sinks = [sinkOf(restoreIn, streamed.exited)];
  let out: ReturnType<typeof createWriteStream> | undefined;
  let written: Promise<void> | undefined;
  if (jobs > 1) {
    out = createWriteStream(file);
    written = new Promise((resolve, reject) =>
      out!.on("close", resolve).on("error", (e) => reject(new Error(`local copy ${file}: ${e.message}`))),
    );
    written.catch(() => undefined);
    const sink = sinkOf(out, written);
    sinks.push({ write: sink.write, end: async () => (out!.end(), written) });
  }
  try {
    const { bytes, sha256 } = await streamArchive(options.s3, options.bucket, options.manifest, sinks);
    await streamed.exited;
    if (jobs > 1) {
      await written;
      await runTool(
        "pg_restore",
        ["--exit-on-error", "--section=post-data", `--jobs=${jobs}`, `--dbname=${database}`, file],
        options.targetUrl,
        tool,
      );
    }
    return {
      key: options.manifest.key,
      bytes,
      sha256,
      durationMs: Math.round(performance.now() - started),
      skipped: [],
      ownedByRestoringRole: false,
    };
  } catch (error) {
    streamed.child.kill("SIGKILL");
    throw error;
  } finally {
    out?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
