// Restore: the dump streamed from S3 (gunzipped on the way when the backup gzipped it) into
// pg_restore (no temp file), whose SQL goes to psql in ONE transaction. The sha-256 is computed
// on the way, and psql only gets its end of input (hence its COMMIT) once the whole object
// matched its manifest and pg_restore succeeded; otherwise psql is killed, the server rolls
// the transaction back, and no table is touched. Before the download: the target is connected
// to and its role's rights checked, and the archive's table of contents (read from the object's
// head) is filtered for what that role may restore (restore-plan.ts).
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";
import { createGunzip } from "node:zlib";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { closestNames } from "../lib/closest";
import type { Manifest } from "./manifest";
import { startTool } from "./pg-tools";
import { parseToc, planRestore, SUPABASE_MANAGED_SCHEMAS, type RestorePlan } from "./restore-plan";
import { checkCanCreate, connectTarget, readTargetFacts } from "./restore-target";

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
  /** Objects owned by the connecting role (grants kept); also chosen when it cannot act as their owners. */
  noOwner?: boolean;
  /** Schemas whose definitions are never restored (their rows are, into empty existing tables). @default SUPABASE_MANAGED_SCHEMAS */
  managedSchemas?: string[];
  onProgress?: (bytes: number, total: number) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RestoreResult {
  key: string;
  bytes: number;
  sha256: string;
  durationMs: number;
  /** Archive entries not applied, each with why (managed schema, existing extension, …). */
  skipped: RestorePlan["skipped"];
  /** The restored objects belong to the connecting role rather than their original owners. */
  ownedByRestoringRole: boolean;
}

export class ChecksumMismatchError extends Error {}

/** Bad input found before anything is downloaded (the CLI exits 2 on it). */
export class RestoreInputError extends Error {}

/** Throws naming each `schema.table` the backup does not hold, with the closest names it does. */
export function checkTablesInManifest(manifest: Manifest, tables: string[] = []): void {
  const known = manifest.tables.map((t) => `${t.schema}.${t.name}`);
  const unknown = tables.filter((t) => !known.includes(t));
  if (!unknown.length) return;
  const hints = unknown.map((t) => {
    const close = closestNames(t, known, Math.max(3, Math.floor(t.length / 3)));
    return `${t}${close.length ? ` (closest: ${close.slice(0, 3).join(", ")})` : ""}`;
  });
  throw new RestoreInputError(`--table: not in backup ${manifest.key}: ${hints.join("; ")}; nothing was restored`);
}

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
  if (options.noOwner) args.push("--no-owner");
  return args;
}

/** The archive's table of contents, from the object's head only (pg_restore -l stops reading there). */
export async function readToc(
  options: Pick<RestoreOptions, "s3" | "bucket" | "manifest" | "targetUrl" | "env">,
): Promise<string> {
  const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: options.manifest.key }));
  const body = object.Body as Readable;
  const list = startTool("pg_restore", ["--list"], options.targetUrl, {
    application: "restore",
    stdin: true,
    env: options.env,
  });
  const chunks: Buffer[] = [];
  list.child.stdout.on("data", (c: Buffer) => chunks.push(c));
  list.child.stdin!.on("error", () => undefined);
  const input = options.manifest.compression === "gzip" ? body.pipe(createGunzip()) : body;
  input.on("error", () => list.child.kill("SIGKILL"));
  input.pipe(list.child.stdin!);
  try {
    await list.exited;
  } finally {
    input.unpipe();
    body.destroy();
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Connects to the target, checks the role's rights, reads the archive's contents and decides what to apply. */
async function prepare(options: RestoreOptions): Promise<RestorePlan> {
  checkTablesInManifest(options.manifest, options.tables);
  const client = await connectTarget(options.targetUrl, "--target", options.env);
  try {
    await checkCanCreate(client);
    const entries = parseToc(await readToc(options));
    if (!entries.length) throw new Error(`pg_restore --list found no entry in ${options.manifest.key}`);
    const managedSchemas = options.managedSchemas ?? SUPABASE_MANAGED_SCHEMAS;
    const plan = planRestore(entries, await readTargetFacts(client, entries, managedSchemas), {
      managedSchemas,
      noOwner: options.noOwner,
    });
    // The schemas the kept definitions live in must be creatable-in (or creatable) too.
    await checkCanCreate(client, [
      ...new Set(
        plan.kept
          .filter((e) => e.namespace !== "-" && e.desc !== "TABLE DATA" && e.desc !== "SEQUENCE SET")
          .map((e) => e.namespace),
      ),
    ]);
    return plan;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const plan = await prepare(options);
  const dir = mkdtempSync(path.join(tmpdir(), "elegance-restore-"));
  try {
    const listFile = path.join(dir, "toc.list");
    writeFileSync(listFile, plan.list);
    const result = await streamRestore(options, plan, listFile);
    return {
      ...result,
      durationMs: Math.round(performance.now() - started),
      skipped: plan.skipped,
      ownedByRestoringRole: plan.noOwner,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function streamRestore(
  options: RestoreOptions,
  plan: RestorePlan,
  listFile: string,
): Promise<Omit<RestoreResult, "durationMs" | "skipped" | "ownedByRestoringRole">> {
  const { manifest } = options;
  const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: manifest.key }));
  const body = object.Body as Readable;
  // pg_restore only reads the archive and writes SQL (-f -); psql applies it in one transaction.
  const args = [...restoreArgs({ ...options, noOwner: plan.noOwner }), `--use-list=${listFile}`, "--file=-"];
  const restore = startTool("pg_restore", args, options.targetUrl, {
    application: "restore",
    stdin: true,
    env: options.env,
  });
  const psql = startTool(
    "psql",
    ["--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--file=-"],
    options.targetUrl,
    {
      application: "restore",
      stdin: true,
      env: options.env,
    },
  );
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
  // Rows of managed tables arrive in archive order, not their foreign keys' order: no FK triggers for them.
  if (plan.replica) psqlIn.write("SET session_replication_role = replica;\n");
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
  const stopped = Promise.race([
    restore.exited.catch(() => undefined),
    psql.exited.catch(() => undefined),
    inflateFailed,
  ]);
  const kill = () => {
    restore.child.kill("SIGKILL");
    psql.child.kill("SIGKILL");
  };

  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (psqlError) throw explainPsqlFailure(psqlError);
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
    if (psqlError) throw explainPsqlFailure(psqlError);
    // Only now does psql see the end of its input, and commit.
    psqlIn.end();
    await psql.exited.catch((e: Error) => Promise.reject(explainPsqlFailure(e)));
    return { key: manifest.key, bytes, sha256 };
  } catch (error) {
    kill();
    body.destroy();
    throw error;
  }
}

/** psql's error, with what to try when it is about rights (the usual cause on a managed server). */
function explainPsqlFailure(error: Error): Error {
  const role = /must be member of role "([^"]+)"/.exec(error.message)?.[1];
  if (role)
    return new Error(
      `${error.message}; nothing was committed. The connecting role cannot act as ${role}: add --no-owner (objects owned by the connecting role, grants kept), or restore as a member of ${role}`,
    );
  if (/permission denied|must be owner|must be superuser/.test(error.message)) {
    return new Error(
      `${error.message}; nothing was committed. The connecting role lacks a right the restore needs: restore as the target database's owner (on Supabase: postgres) or into a fresh database, add --no-owner, and name the schemas it may not touch with --managed-schemas`,
    );
  }
  return new Error(`${error.message}; nothing was committed`);
}

const SUPABASE_REF = /^(?:db\.)?([a-z0-9]{20})\.supabase\.co$/;

/** Host, port and database of a URL, with Supabase's project ref when it names one (direct host or pooler user). */
function identity(url: string) {
  const u = new URL(url);
  // A trailing dot names the same host; loopback is loopback under any of its names.
  const named = (u.hostname || u.searchParams.get("host") || "localhost")
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  const host = named === "localhost" || named === "::1" || /^127\./.test(named) ? "loopback" : named;
  const ref = SUPABASE_REF.exec(host)?.[1] ?? /^[a-z_]+\.([a-z0-9]{20})$/.exec(decodeURIComponent(u.username))?.[1];
  return {
    host,
    port: u.port || "5432",
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
    ref,
  };
}

/** True when both URLs reach the same database: same host, port and name, or the same Supabase project and name. */
export function isSameDatabase(a: string, b: string): boolean {
  const [x, y] = [identity(a), identity(b)];
  if (x.database !== y.database) return false;
  if (x.ref && x.ref === y.ref) return true;
  return x.host === y.host && x.port === y.port;
}
