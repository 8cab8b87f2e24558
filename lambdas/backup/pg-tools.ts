// Runs PostgreSQL's own client programs (pg_dump, pg_dumpall, pg_restore, psql) as children.
// The connection goes through libpq's environment, never the command line, so the password
// is not visible in the process list; TLS is verified against the configured CA when there is one.
import { spawn, spawnSync, type ChildProcessByStdio } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";
import { ENV } from "../core/contract";

/** Where the programs are: PG_BINDIR (the backup image sets it), else the PATH. */
export function pgBinary(
  name: "pg_dump" | "pg_dumpall" | "pg_restore" | "psql",
  env: NodeJS.ProcessEnv = process.env,
): string {
  return env[ENV.pgBindir] ? path.join(env[ENV.pgBindir]!, name) : name;
}

let caFile: { pem: string; file: string } | undefined;

/** libpq variables for a postgresql:// URL (PGHOST, PGPASSWORD, …), TLS verified with DATABASE_CA_CERT when set. */
export function libpqEnv(url: string, application: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const u = new URL(url);
  const out: NodeJS.ProcessEnv = {
    PATH: env.PATH ?? "/usr/bin:/bin",
    LC_ALL: "C",
    PGAPPNAME: `elegance-ops:${application}`,
    PGCONNECT_TIMEOUT: "10",
    PGHOST: decodeURIComponent(u.hostname || u.searchParams.get("host") || "localhost").replace(/^\[|\]$/g, ""),
    PGPORT: u.port || "5432",
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
  };
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) out.PGSSLMODE = sslmode;
  const ca = env[ENV.databaseCaCert]?.trim();
  if (ca) {
    // libpq reads the CA from a file: written once per container (it is public, not a secret).
    if (caFile?.pem !== ca) {
      caFile = { pem: ca, file: path.join(mkdtempSync(path.join(tmpdir(), "elegance-ca-")), "root.crt") };
      writeFileSync(caFile.file, ca);
    }
    out.PGSSLROOTCERT = caFile.file;
    out.PGSSLMODE = "verify-full";
  }
  return out;
}

/**
 * The version in a `--version` line: `pg_dump (PostgreSQL) 15.18` and Debian's or Ubuntu's
 * `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → "15.18"; undefined when there is none.
 */
export function parseToolVersion(line: string): string | undefined {
  return /\(PostgreSQL\)\s+(\d+(?:\.\d+)*(?:(?:alpha|beta|rc|devel)\d*)?)/.exec(line)?.[1];
}

/** The program's version (see parseToolVersion); throws naming the program and PG_BINDIR when it is missing or says none. */
export function toolVersion(name: Parameters<typeof pgBinary>[0], env: NodeJS.ProcessEnv = process.env): string {
  const program = pgBinary(name, env);
  const r = spawnSync(program, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(
      `${name} not found or not runnable at ${program} (${r.error?.message ?? r.stderr.trim()}); install the PostgreSQL client or set PG_BINDIR`,
    );
  }
  const version = parseToolVersion(r.stdout);
  // An unknown version would silently turn off the "older than the server" guard.
  if (!version)
    throw new Error(
      `${program} --version printed no PostgreSQL version: ${JSON.stringify(r.stdout.trim().slice(0, 200))}`,
    );
  return version;
}

export type PgChild = ChildProcessByStdio<Writable | null, Readable, Readable>;

/** Starts a program; its stderr is collected (bounded) for the error message. */
export function startTool(
  name: Parameters<typeof pgBinary>[0],
  args: string[],
  url: string,
  options: { application: string; stdin?: boolean; env?: NodeJS.ProcessEnv },
): { child: PgChild; exited: Promise<void> } {
  const child = spawn(pgBinary(name, options.env), args, {
    env: libpqEnv(url, options.application, options.env),
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  }) as PgChild;
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    if (stderr.length < 64_000) stderr += chunk;
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", (e) =>
      reject(new Error(`${name} could not start: ${e.message}; install the PostgreSQL client or set PG_BINDIR`)),
    );
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${name} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").slice(-5).join(" | ") || "no message"}`,
          ),
        );
    });
  });
  // Rejections are read by the caller at the right moment; never crash the process on them first.
  exited.catch(() => undefined);
  return { child, exited };
}

/** Runs a program to its end, `input` on its stdin, and returns its stdout (small outputs only, e.g. pg_dumpall --roles-only). */
export async function runTool(
  name: Parameters<typeof pgBinary>[0],
  args: string[],
  url: string,
  options: { application: string; env?: NodeJS.ProcessEnv; input?: string },
): Promise<Buffer> {
  const { child, exited } = startTool(name, args, url, { ...options, stdin: options.input !== undefined });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => chunks.push(c));
  child.stdin?.on("error", () => undefined); // an early exit says why in its status, not as EPIPE
  child.stdin?.end(options.input);
  await exited;
  return Buffer.concat(chunks);
}
