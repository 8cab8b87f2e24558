// Restore: the dump streamed from S3 (gunzipped on the way when the backup gzipped it) into
// pg_restore (no temp file), whose SQL goes to psql in ONE transaction. The sha-256 is computed
// on the way, and psql only gets its end of input (hence its COMMIT) once the whole object
// matched its manifest and pg_restore succeeded; otherwise psql is killed, the server rolls
// the transaction back, and no table is touched.
import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { createGunzip } from "node:zlib";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Manifest } from "./manifest";
import { startTool } from "./pg-tools";

export interface RestoreOptions {
  s3: S3Client;
  bucket: string;
  manifest: Manifest;
  /** postgresql:// URL of the database restored into (it must exist). */
  targetUrl: string;
  /** `schema.table` names: restore only these tables (the guide's "restauration sélective"). */
  tables?: string[];
  /** Only the definitions, or only the data. */
  section?: "schema-only" | "data-only";
  /** Drop the objects before recreating them (pg_restore --clean --if-exists). */
  clean?: boolean;
  /** Skip ownership and grants (restoring as a role that is not the original owner). */
  noOwner?: boolean;
  onProgress?: (bytes: number, total: number) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RestoreResult {
  key: string;
  bytes: number;
  sha256: string;
  durationMs: number;
}

export class ChecksumMismatchError extends Error {}

/** pg_restore's selection flags for `schema.table` names (pg_restore -t takes no schema: -n narrows it). */
export function restoreArgs(options: Pick<RestoreOptions, "tables" | "section" | "clean" | "noOwner">): string[] {
  const args = ["--exit-on-error"];
  for (const qualified of options.tables ?? []) {
    const match = /^([^.]+)\.(.+)$/.exec(qualified);
    if (!match) throw new Error(`--table ${qualified}: expected schema.table, e.g. public.rides`);
    args.push("--table", match[2]);
  }
  const schemas = [...new Set((options.tables ?? []).map((t) => t.split(".")[0]))];
  for (const schema of schemas) args.push("--schema", schema);
  if (options.section) args.push(`--${options.section}`);
  if (options.clean) args.push("--clean", "--if-exists");
  if (options.noOwner) args.push("--no-owner", "--no-privileges");
  return args;
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const { manifest } = options;
  const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: manifest.key }));
  const body = object.Body as Readable;
  // pg_restore only reads the archive and writes SQL (-f -); psql applies it in one transaction.
  const restore = startTool("pg_restore", [...restoreArgs(options), "--file=-"], options.targetUrl, { application: "restore", stdin: true, env: options.env });
  const psql = startTool("psql", ["--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--file=-"], options.targetUrl, {
    application: "restore",
    stdin: true,
    env: options.env,
  });
  const restoreIn = restore.child.stdin!;
  const psqlIn = psql.child.stdin!;
  // A child that died closes its pipe; its exit status carries the reason, not EPIPE.
  restoreIn.on("error", () => undefined);
  psqlIn.on("error", () => undefined);
  // Where the object's bytes go: gunzip (on libuv's pool, beside pg_restore) or pg_restore itself.
  let inflateError: Error | undefined;
  let archiveIn: Writable = restoreIn;
  let inflateFailed = new Promise<void>(() => undefined);
  if (manifest.compression === "gzip") {
    const gunzip = createGunzip();
    inflateFailed = new Promise((resolve) =>
      gunzip.on("error", (e) => {
        inflateError = new Error(`${manifest.key} does not gunzip: ${e.message}`);
        resolve();
      }),
    );
    gunzip.pipe(restoreIn);
    archiveIn = gunzip;
  }
  psql.child.stdout.resume();
  restore.child.stdout.pipe(psqlIn, { end: false });
  const sqlDone = once(restore.child.stdout, "end");

  let restoreExited = false;
  let psqlError: Error | undefined;
  restore.exited.then(
    () => (restoreExited = true),
    () => (restoreExited = true),
  );
  psql.exited.catch((e: Error) => (psqlError = e));
  // Any of these means no more drain is coming.
  const stopped = Promise.race([restore.exited.catch(() => undefined), psql.exited.catch(() => undefined), inflateFailed]);
  const kill = () => {
    restore.child.kill("SIGKILL");
    psql.child.kill("SIGKILL");
  };

  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (psqlError) throw psqlError;
      hash.update(chunk);
      bytes += chunk.length;
      options.onProgress?.(bytes, manifest.sizeBytes);
      // Keep reading after pg_restore (or gunzip) died: the checksum tells whether the object was the cause.
      if (!restoreExited && !inflateError && !archiveIn.write(chunk)) {
        await Promise.race([once(archiveIn, "drain").catch(() => undefined), stopped]);
      }
    }
    if (!inflateError) archiveIn.end();
    const sha256 = hash.digest("hex");
    if (sha256 !== manifest.sha256 || bytes !== manifest.sizeBytes) {
      throw new ChecksumMismatchError(
        `checksum mismatch for ${manifest.key}: read ${bytes} bytes with sha-256 ${sha256}, the manifest says ${manifest.sizeBytes} bytes with sha-256 ${manifest.sha256}; the object is corrupt or not this backup; nothing was committed`,
      );
    }
    if (inflateError) throw inflateError;
    await restore.exited;
    await sqlDone;
    if (psqlError) throw psqlError;
    // Only now does psql see the end of its input, and commit.
    psqlIn.end();
    await psql.exited;
    return { key: manifest.key, bytes, sha256, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    kill();
    body.destroy();
    throw error;
  }
}

const SUPABASE_REF = /^(?:db\.)?([a-z0-9]{20})\.supabase\.co$/;

/** Host, port and database of a URL, with Supabase's project ref when it names one (direct host or pooler user). */
function identity(url: string) {
  const u = new URL(url);
  const host = (u.hostname || u.searchParams.get("host") || "localhost").toLowerCase();
  const ref = SUPABASE_REF.exec(host)?.[1] ?? /^[a-z_]+\.([a-z0-9]{20})$/.exec(decodeURIComponent(u.username))?.[1];
  return { host, port: u.port || "5432", database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres", ref };
}

/** True when both URLs reach the same database: same host, port and name, or the same Supabase project and name. */
export function isSameDatabase(a: string, b: string): boolean {
  const [x, y] = [identity(a), identity(b)];
  if (x.database !== y.database) return false;
  if (x.ref && x.ref === y.ref) return true;
  return x.host === y.host && x.port === y.port;
}
