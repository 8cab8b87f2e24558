// The restore drill: the latest backup restored into a scratch database, then compared with
// its manifest (row counts, schemas, extensions, row-level security), its sequences checked
// against their columns, its B-tree indexes verified with amcheck. A backup is proven only
// when all of that holds; the result is a check result like any other. When the temp dir has
// room, tables and rows are restored while the object downloads and its indexes with
// pg_restore --jobs from the local copy, the checksum verified first (local-restore.ts); else
// it is streamed in one transaction as `ops restore` does.
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Client } from "pg";
import type { CheckResult } from "../core/check";
import { pgConfig } from "../core/pg";
import { countRows, readInventory } from "./inventory";
import { findBackup, type Manifest, type TableCount } from "./manifest";
import { runTool } from "./pg-tools";
import { restoreInParallel, roomForLocalCopy } from "./local-restore";
import { restoreBackup } from "./restore";

export interface DrillOptions {
  s3: S3Client;
  bucket: string;
  /** A superuser URL of a scratch PostgreSQL server: a database is created there, then dropped. */
  scratchUrl: string;
  /** @default "latest" */
  backup?: string;
  /** Connections the checks run on at once. @default the machine's cores */
  parallelism?: number;
  /**
   * Which B-tree indexes amcheck also proves hold every heap row (heapallindexed, a heap scan
   * per index): "unique" ones (a missing entry there lets a duplicate in) or "all". Every
   * B-tree index gets the structural check either way. @default "unique"
   */
  heapAllIndexed?: "unique" | "all";
  /**
   * Restore from a local copy with `pg_restore --jobs` (the scratch database needs no single
   * transaction) when the temp dir has room for it, else stream it as `ops restore` does.
   * @default true
   */
  localCopy?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface DrillFindings {
  backup: string;
  rowCountMismatches: { table: string; manifest: number; restored: number }[];
  missing: { schemas: string[]; extensions: string[]; rlsTables: string[]; policies: string[]; tables: string[] };
  sequencesBehind: { sequence: string; column: string; nextValue: string; columnMax: string }[];
  corruptIndexes: { index: string; error: string }[];
  indexesChecked: number;
  /** Of those, the ones also checked with heapallindexed. */
  indexesHeapChecked: number;
  /** "local copy": rows restored while downloading, indexes with pg_restore --jobs; "stream": as `ops restore`, one transaction. */
  restoredFrom: "local copy" | "stream";
  restoreMs: number;
  drillMs: number;
}

const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

const missingFrom = (expected: string[], actual: string[]) => expected.filter((x) => !actual.includes(x));

// drill_<UTC time it was created>_<random>: the time tells a leftover from a drill under way.
const DRILL_DATABASE = /^drill_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_[0-9a-f]{6}$/;
const drillDatabaseName = (now: Date) =>
  `drill_${now.toISOString().replace(/\D/g, "").slice(0, 14)}_${randomBytes(3).toString("hex")}`;

/** Drops the scratch databases of drills created a day ago or more (killed before they could drop theirs). */
export async function dropStaleDrillDatabases(admin: Client, now = Date.now()): Promise<string[]> {
  const { rows } = await admin.query<{ name: string }>(
    "SELECT datname AS name FROM pg_database WHERE datname LIKE 'drill\\_%'",
  );
  const stale = rows
    .map((r) => ({ name: r.name, m: DRILL_DATABASE.exec(r.name) }))
    .filter(({ m }) => m && now - Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) >= 24 * 3600_000)
    .map((r) => r.name);
  for (const name of stale)
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`).catch(() => undefined);
  return stale;
}

// Drills under way in this process: what a SIGINT/SIGTERM handler must undo before exiting.
const underWay = new Set<() => Promise<void>>();

/** Drops the scratch databases of the drills under way (for a signal handler; the drills then fail). */
export async function abortDrills(): Promise<void> {
  await Promise.all([...underWay].map((undo) => undo().catch(() => undefined)));
}

export async function runDrill(options: DrillOptions): Promise<CheckResult & { details: DrillFindings }> {
  const started = performance.now();
  const manifest = await findBackup(options.s3, options.bucket, options.backup ?? "latest");
  const database = drillDatabaseName(new Date());
  const admin = new Client(pgConfig(options.scratchUrl, { application_name: "elegance-ops:drill" }, options.env));
  await admin.connect();
  // From a separate connection: the admin one may be busy (or be what the signal interrupts).
  const undo = async () => {
    const other = new Client(pgConfig(options.scratchUrl, { application_name: "elegance-ops:drill" }, options.env));
    await other.connect();
    await other.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).finally(() => other.end());
  };
  try {
    await dropStaleDrillDatabases(admin);
    await admin.query(`CREATE DATABASE ${database}`);
    underWay.add(undo);
    const targetUrl = withDatabase(options.scratchUrl, database);
    try {
      await applyRoles(options, manifest, targetUrl);
      const restoreOptions = { s3: options.s3, bucket: options.bucket, manifest, targetUrl, env: options.env };
      const local = options.localCopy !== false && roomForLocalCopy(manifest);
      const restored = await (local
        ? restoreInParallel({ ...restoreOptions, jobs: options.parallelism })
        : restoreBackup(restoreOptions));
      const findings = await inspect(targetUrl, manifest, options);
      const details: DrillFindings = {
        backup: manifest.key,
        ...findings,
        restoredFrom: local ? "local copy" : "stream",
        restoreMs: restored.durationMs,
        drillMs: Math.round(performance.now() - started),
      };
      return verdict(details);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      underWay.delete(undo);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** The roles the policies and grants name; those that already exist on the scratch server just error harmlessly. */
export async function applyRoles(
  options: Pick<DrillOptions, "s3" | "bucket" | "env">,
  manifest: Manifest,
  targetUrl: string,
): Promise<void> {
  const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: manifest.rolesKey }));
  const sql = await object.Body!.transformToString("utf8");
  await runTool("psql", ["--no-psqlrc", "--quiet", "--file=-"], targetUrl, {
    application: "drill",
    env: options.env,
    input: sql,
  });
}

/** A piece of the inspection, run on whichever connection of the pool is free. */
type Job = { cost: number; run: (client: Client) => Promise<void> };

/**
 * Everything the manifest promises, checked on `parallelism` connections at once: row counts,
 * sequences and amcheck are independent reads, and the scratch server has the cores.
 */
async function inspect(
  url: string,
  manifest: Manifest,
  options: DrillOptions,
): Promise<Omit<DrillFindings, "backup" | "restoredFrom" | "restoreMs" | "drillMs">> {
  const clients: Client[] = [];
  try {
    for (let i = 0; i < Math.max(1, options.parallelism ?? availableParallelism()); i++) {
      const client = new Client(pgConfig(url, { application_name: "elegance-ops:drill" }, options.env));
      clients.push(client);
      await client.connect();
    }
    const [main] = clients;
    const restored = await readInventory(main, { countRows: false });
    await main.query("CREATE EXTENSION IF NOT EXISTS amcheck");
    const findings = {
      rows: new Map<string, number>(),
      sequencesBehind: [] as DrillFindings["sequencesBehind"],
      corruptIndexes: [] as DrillFindings["corruptIndexes"],
    };
    const indexChecks = await indexJobs(main, findings.corruptIndexes, options.heapAllIndexed ?? "unique");
    const indexesHeapChecked = indexChecks.filter((j) => j.heap).length;
    const jobs = [
      ...(await countJobs(main, restored.tables, findings.rows)),
      ...(await sequenceJobs(main, findings.sequencesBehind)),
      ...indexChecks,
    ];
    // Largest first, so the last job to finish is a short one.
    jobs.sort((a, b) => b.cost - a.cost);
    let next = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (next < jobs.length) await jobs[next++].run(client);
      }),
    );

    const { rows } = findings;
    const rowCountMismatches = manifest.tables
      .filter((t) => rows.has(`${t.schema}.${t.name}`) && rows.get(`${t.schema}.${t.name}`) !== t.rows)
      .map((t) => ({ table: `${t.schema}.${t.name}`, manifest: t.rows, restored: rows.get(`${t.schema}.${t.name}`)! }));
    const missing = {
      tables: manifest.tables.map((t) => `${t.schema}.${t.name}`).filter((t) => !rows.has(t)),
      schemas: missingFrom(manifest.schemas, restored.schemas),
      extensions: missingFrom(
        manifest.extensions.map((e) => e.name),
        restored.extensions.map((e) => e.name),
      ),
      rlsTables: missingFrom(manifest.rlsTables, restored.rlsTables),
      policies: missingFrom(manifest.policies, restored.policies),
    };
    return {
      rowCountMismatches,
      missing,
      sequencesBehind: findings.sequencesBehind,
      corruptIndexes: findings.corruptIndexes,
      indexesChecked: indexChecks.length,
      indexesHeapChecked,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

const relationSize = (table: string) => `pg_relation_size(${table})::float8`;

async function countJobs(client: Client, tables: TableCount[], into: Map<string, number>): Promise<Job[]> {
  const sizes = await client.query<{ name: string; bytes: number }>(
    `SELECT format('%s.%s', n.nspname, c.relname) AS name, ${relationSize("c.oid")} AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'`,
  );
  const bytes = new Map(sizes.rows.map((r) => [r.name, r.bytes]));
  return tables.map((t) => ({
    cost: bytes.get(`${t.schema}.${t.name}`) ?? 0,
    run: async (c) => {
      into.set(`${t.schema}.${t.name}`, await countRows(c, t));
    },
  }));
}

/** Sequences owned by a column (serial, identity) whose next value would collide with a restored row. */
async function sequenceJobs(client: Client, behind: DrillFindings["sequencesBehind"]): Promise<Job[]> {
  const { rows } = await client.query<{ seq: string; tbl: string; col: string; bytes: number }>(
    `SELECT s.oid::regclass::text AS seq, d.refobjid::regclass::text AS tbl, quote_ident(a.attname) AS col, ${relationSize("d.refobjid")} AS bytes
       FROM pg_class s
       JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE s.relkind = 'S'`,
  );
  return rows.map((r) => ({
    cost: r.bytes,
    run: async (c) => {
      const {
        rows: [v],
      } = await c.query<{ next: string; max: string | null; ok: boolean }>(
        `SELECT CASE WHEN s.is_called THEN s.last_value + p.seqincrement ELSE s.last_value END::text AS next, m.max::text AS max,
                m.max IS NULL OR (CASE WHEN s.is_called THEN s.last_value + p.seqincrement ELSE s.last_value END) > m.max AS ok
           FROM ${r.seq} s, pg_sequence p, (SELECT max(${r.col}) AS max FROM ${r.tbl}) m
          WHERE p.seqrelid = '${r.seq.replace(/'/g, "''")}'::regclass AND p.seqincrement > 0`,
      );
      if (v && !v.ok)
        behind.push({ sequence: r.seq, column: `${r.tbl}.${r.col}`, nextValue: v.next, columnMax: v.max ?? "" });
    },
  }));
}

/**
 * amcheck's bt_index_check on every B-tree index of the restored tables: its structure (order,
 * pages), and with heapallindexed that every heap row has its entry (which reads the heap).
 */
async function indexJobs(
  client: Client,
  corrupt: DrillFindings["corruptIndexes"],
  heapAllIndexed: "unique" | "all",
): Promise<(Job & { heap: boolean })[]> {
  const { rows } = await client.query<{ oid: number; name: string; bytes: number; heap: boolean }>(
    `SELECT c.oid, c.oid::regclass::text AS name, ($1 OR i.indisunique) AS heap,
            ${relationSize("c.oid")} + CASE WHEN $1 OR i.indisunique THEN ${relationSize("i.indrelid")} ELSE 0 END AS bytes
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE am.amname = 'btree' AND i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
    [heapAllIndexed === "all"],
  );
  return rows.map((index) => ({
    cost: index.bytes,
    heap: index.heap,
    run: async (c) => {
      try {
        await c.query("SELECT bt_index_check($1::oid::regclass, $2)", [index.oid, index.heap]);
      } catch (error) {
        corrupt.push({ index: index.name, error: (error as Error).message });
      }
    },
  }));
}

function verdict(details: DrillFindings): CheckResult & { details: DrillFindings } {
  const missingCount = Object.values(details.missing).reduce((n, list) => n + list.length, 0);
  const problems = [
    details.rowCountMismatches.length &&
      `${details.rowCountMismatches.length} table(s) with other row counts than the manifest`,
    missingCount && `${missingCount} object(s) of the manifest missing`,
    details.sequencesBehind.length && `${details.sequencesBehind.length} sequence(s) behind their column`,
    details.corruptIndexes.length && `${details.corruptIndexes.length} index(es) failing amcheck`,
  ].filter(Boolean);
  const metrics = { drillSeconds: details.drillMs / 1000, restoreSeconds: details.restoreMs / 1000 };
  if (problems.length)
    return { status: "fail", summary: `restore drill of ${details.backup}: ${problems.join("; ")}`, details, metrics };
  return {
    status: "ok",
    summary: `restore drill of ${details.backup}: restored in ${(details.restoreMs / 1000).toFixed(1)} s (${details.restoredFrom === "local copy" ? "rows while downloading, indexes with pg_restore --jobs from the local copy" : "streamed, one transaction"}), counts match, sequences ahead, ${details.indexesChecked} B-tree indexes verified (${details.indexesHeapChecked} against every heap row)`,
    details,
    metrics,
  };
}
