// The restore's target, asked before anything is downloaded: does it accept the connection, may
// the role create there, what exists already (restore-plan.ts decides from that), and is it the
// production server under another name (the servers' own identity, not the URLs' spelling).
import { lookup } from "node:dns/promises";
import { Client } from "pg";
import { pgConfig } from "../core/pg";
import { maskUrl } from "../core/url";
import type { TargetFacts, TocEntry } from "./restore-plan";

/** Connects (10 s limit) or throws naming the URL (password masked) and the server's reason. */
export async function connectTarget(url: string, what: string, env?: NodeJS.ProcessEnv): Promise<Client> {
  const client = new Client(
    pgConfig(url, { application_name: "elegance-ops:restore", statement_timeout: 30_000 }, env),
  );
  client.on("error", () => undefined); // a connection dropped later fails the query that needed it
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(
      `${what} ${maskUrl(url)} does not accept the connection: ${(error as Error).message}; nothing was downloaded`,
      { cause: error },
    );
  }
}

/**
 * The role may create what the restore needs: schemas (CREATE on the database) and objects in
 * `public` (CREATE on the schema). Throws with the GRANT that would allow it.
 */
export async function checkCanCreate(client: Client, schemas: string[] = ["public"]): Promise<void> {
  const {
    rows: [r],
  } = await client.query<{ role: string; db: string; db_create: boolean; missing: string[] }>(
    `SELECT current_user AS role, current_database() AS db, has_database_privilege(current_database(), 'CREATE') AS db_create,
            array(SELECT nspname::text FROM pg_namespace WHERE nspname = ANY($1) AND NOT has_schema_privilege(oid, 'CREATE') ORDER BY 1) AS missing`,
    [schemas],
  );
  if (r.missing.length) {
    const list = r.missing.join(", ");
    throw new Error(
      `role ${r.role} may not create objects in schema ${list} of database ${r.db}: restore as the database's owner, or GRANT CREATE ON SCHEMA ${list} TO ${r.role}; nothing was downloaded`,
    );
  }
  const absent = await client.query(
    "SELECT 1 FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)",
    [schemas],
  );
  if (absent.rowCount && !r.db_create) {
    throw new Error(
      `role ${r.role} may not create schemas in database ${r.db}: restore as the database's owner, or GRANT CREATE ON DATABASE ${r.db} TO ${r.role}; nothing was downloaded`,
    );
  }
}

/** What restore-plan needs to know about the target, for the archive's entries. */
export async function readTargetFacts(
  client: Client,
  entries: TocEntry[],
  managedSchemas: string[],
): Promise<TargetFacts> {
  const {
    rows: [me],
  } = await client.query<{ role: string; superuser: boolean; member_of: string[] }>(
    `SELECT current_user AS role, r.rolsuper AS superuser,
            array(SELECT rolname::text FROM pg_roles WHERE pg_has_role(current_user, oid, 'MEMBER')) AS member_of
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  // Tried rather than looked up: GRANT SET ON PARAMETER and Supabase's own hook (supautils) both allow it.
  let replica = true;
  await client.query("BEGIN");
  await client.query("SET LOCAL session_replication_role = replica").catch(() => (replica = false));
  await client.query("ROLLBACK");
  const extensions = await client.query<{ name: string; version: string }>(
    "SELECT extname AS name, extversion AS version FROM pg_extension",
  );
  const schemas = await client.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace");
  const creatable = await client.query<{ name: string }>(
    "SELECT DISTINCT name FROM pg_available_extension_versions WHERE trusted OR $1",
    [me.superuser],
  );
  const managed = new Set(managedSchemas);
  const data = entries.filter(
    (e) => (e.desc === "TABLE DATA" || e.desc === "SEQUENCE SET") && managed.has(e.namespace),
  );
  const fillableTables: string[] = [];
  const settableSequences: string[] = [];
  for (const e of data) {
    const name = `${e.namespace}.${e.tag}`;
    const {
      rows: [t],
    } = await client.query<{ ok: boolean; kind: string }>(
      `SELECT c.relkind::text AS kind, CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'UPDATE')
              ELSE has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'SELECT') END AS ok
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [e.namespace, e.tag],
    );
    if (!t?.ok) continue;
    if (t.kind === "S") settableSequences.push(name);
    else {
      const rows = await client.query(
        `SELECT 1 FROM ${client.escapeIdentifier(e.namespace)}.${client.escapeIdentifier(e.tag)} LIMIT 1`,
      );
      if (rows.rowCount === 0) fillableTables.push(name);
    }
  }
  return {
    role: me.role,
    superuser: me.superuser,
    memberOf: me.member_of,
    schemas: schemas.rows.map((r) => r.name),
    extensions: Object.fromEntries(extensions.rows.map((e) => [e.name, e.version])),
    creatableExtensions: creatable.rows.map((r) => r.name),
    replica,
    fillableTables,
    settableSequences,
  };
}

export interface ServerIdentity {
  /** pg_control_system()'s system_identifier: the same for every name and address of one cluster. */
  systemIdentifier?: string;
  database: string;
  /** When pg_control_system() is not allowed: the server's resolved addresses and port. */
  addresses: string[];
  port: number;
}

/** Who the server says it is; the addresses are resolved from the URL's host (a trailing dot removed). */
export async function serverIdentity(client: Client, url: string): Promise<ServerIdentity> {
  const {
    rows: [db],
  } = await client.query<{ database: string; port: number }>(
    "SELECT current_database() AS database, current_setting('port')::int AS port",
  );
  let systemIdentifier: string | undefined;
  try {
    systemIdentifier = (
      await client.query<{ id: string }>("SELECT system_identifier::text AS id FROM pg_control_system()")
    ).rows[0].id;
  } catch {
    // Not allowed for this role (some hosts revoke it): compare addresses instead.
  }
  const u = new URL(url);
  const host = decodeURIComponent(u.hostname || u.searchParams.get("host") || "localhost")
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  const addresses = host.startsWith("/")
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [{ address: host }])).map((a) => normalizeAddress(a.address));
  return { systemIdentifier, database: db.database, addresses, port: Number(u.port || 5432) };
}

// "localhost" resolves to 127.0.0.1 and ::1: both are this machine's loopback.
const normalizeAddress = (a: string) =>
  a === "::1" || a.startsWith("127.") || a === "::ffff:127.0.0.1" ? "loopback" : a.toLowerCase();

/** The same database on the same server: by system identifier when both tell it, else by address and port. */
export function sameServerDatabase(a: ServerIdentity, b: ServerIdentity): boolean {
  if (a.database !== b.database) return false;
  if (a.systemIdentifier && b.systemIdentifier) return a.systemIdentifier === b.systemIdentifier;
  return a.port === b.port && a.addresses.some((x) => b.addresses.includes(x));
}
