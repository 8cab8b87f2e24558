// What a restore may apply on the target as the role it connects as, decided from the archive's
// table of contents (`pg_restore -l`) before anything is downloaded in full. On Supabase the
// connecting role (`postgres`) is not a superuser: the schemas Supabase manages (auth, storage,
// …) and the extensions it installed already exist and are not ours to recreate, so their
// entries are skipped and reported instead of failing the whole transaction. The kept entries
// go to `pg_restore -L` in the archive's own order (a streamed archive cannot be read out of order).

/** Schemas Supabase creates and migrates itself: where they exist, their definitions are not restored. */
export const SUPABASE_MANAGED_SCHEMAS = [
  "auth",
  "storage",
  "extensions",
  "graphql",
  "graphql_public",
  "realtime",
  "_realtime",
  "supabase_functions",
  "supabase_migrations",
  "vault",
  "pgsodium",
  "pgsodium_masks",
  "net",
  "cron",
  "pgbouncer",
  "pgtle",
  "_analytics",
];

export interface TocEntry {
  /** The line as pg_restore -l printed it (what -L reads back). */
  line: string;
  desc: string;
  /** "-" for objects outside any schema (schemas themselves, extensions). */
  namespace: string;
  tag: string;
  owner: string;
}

// pg_dump's entry kinds made of several words; the longest match wins.
const MULTI_WORD = [
  "SEQUENCE OWNED BY",
  "MATERIALIZED VIEW DATA",
  "TEXT SEARCH CONFIGURATION",
  "TEXT SEARCH DICTIONARY",
  "TEXT SEARCH PARSER",
  "TEXT SEARCH TEMPLATE",
  "PUBLICATION TABLES IN SCHEMA",
  "PUBLICATION TABLE",
  "FOREIGN DATA WRAPPER",
  "DATABASE PROPERTIES",
  "PROCEDURAL LANGUAGE",
  "MATERIALIZED VIEW",
  "OPERATOR CLASS",
  "OPERATOR FAMILY",
  "CHECK CONSTRAINT",
  "FK CONSTRAINT",
  "SECURITY LABEL",
  "FOREIGN SERVER",
  "FOREIGN TABLE",
  "EVENT TRIGGER",
  "ACCESS METHOD",
  "LARGE OBJECT",
  "BLOB METADATA",
  "USER MAPPING",
  "ROW SECURITY",
  "SEQUENCE SET",
  "TABLE ATTACH",
  "INDEX ATTACH",
  "DEFAULT ACL",
  "SHELL TYPE",
  "TABLE DATA",
];

/** The entries of `pg_restore -l`'s output (`id; tableoid oid DESC namespace tag owner`). */
export function parseToc(text: string): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const line of text.split("\n")) {
    const m = /^\d+; \d+ \d+ (.*)$/.exec(line);
    if (!m) continue;
    const rest = m[1];
    const desc = MULTI_WORD.find((d) => rest.startsWith(`${d} `)) ?? rest.split(" ")[0];
    const [namespace, ...words] = rest.slice(desc.length + 1).split(" ");
    const owner = words.pop() ?? "";
    entries.push({ line, desc, namespace, tag: words.join(" "), owner });
  }
  return entries;
}

/** What the target says about itself and the connecting role (restore-target.ts reads it). */
export interface TargetFacts {
  role: string;
  superuser: boolean;
  /** Roles the connecting role may act as (itself included): it can give them ownership. */
  memberOf: string[];
  /** Schemas that exist already. */
  schemas: string[];
  /** Existing extensions → version. */
  extensions: Record<string, string>;
  /** Extensions the role may create (trusted ones, or any for a superuser). */
  creatableExtensions: string[];
  /** May set session_replication_role (superuser, or GRANT SET ON PARAMETER). */
  replica: boolean;
  /** `schema.table` of managed-schema tables the role may fill: existing, empty, INSERT granted. */
  fillableTables: string[];
  /** `schema.sequence` the role may setval. */
  settableSequences: string[];
}

export interface RestorePlan {
  /** The `-L` list: kept entries, in archive order. */
  list: string;
  kept: TocEntry[];
  skipped: { entry: string; reason: string }[];
  /** Objects are owned by the connecting role (it cannot act as their original owners). */
  noOwner: boolean;
  /** Prefix the SQL with SET session_replication_role = replica (managed tables' data, whose FKs the stream order could break). */
  replica: boolean;
}

const label = (e: TocEntry) => `${e.desc} ${e.namespace === "-" ? "" : `${e.namespace} `}${e.tag}`;
/** "SCHEMA auth" for the schema itself and its ACL or comment. */
const schemaOf = (e: TocEntry) =>
  e.namespace !== "-" ? e.namespace : e.desc === "SCHEMA" ? e.tag : /^SCHEMA (\S+)$/.exec(e.tag)?.[1];
const extensionOf = (e: TocEntry) => (e.desc === "EXTENSION" ? e.tag : /^EXTENSION (\S+)$/.exec(e.tag)?.[1]);
const quoted = (name: string) => name.replace(/^"|"$/g, "");

export function planRestore(
  entries: TocEntry[],
  target: TargetFacts,
  options: { managedSchemas?: string[]; noOwner?: boolean } = {},
): RestorePlan {
  // A managed schema the target lacks (plain PostgreSQL, a scratch server) is restored like any other.
  const managed = new Set(
    (options.managedSchemas ?? SUPABASE_MANAGED_SCHEMAS).filter((s) => target.schemas.includes(s)),
  );
  const can = (owner: string) => target.superuser || target.memberOf.includes(owner);
  const kept: TocEntry[] = [];
  const skipped: RestorePlan["skipped"] = [];
  let managedData = false;
  const decide = (e: TocEntry): string | undefined => {
    const extension = extensionOf(e);
    if (extension !== undefined) {
      if (target.extensions[extension])
        return `extension ${extension} already exists (${target.extensions[extension]})`;
      if (!target.creatableExtensions.includes(extension))
        return `extension ${extension} cannot be created by ${target.role} (not trusted, or not installed): enable it first (Supabase: Database > Extensions)`;
      return undefined;
    }
    const schema = schemaOf(e);
    if (schema && managed.has(quoted(schema))) {
      const name = `${quoted(e.namespace)}.${quoted(e.tag)}`;
      if (e.desc === "TABLE DATA" && target.fillableTables.includes(name))
        return target.replica
          ? ((managedData = true), undefined)
          : `${name}: managed by Supabase; its rows need SET session_replication_role (GRANT SET ON PARAMETER session_replication_role TO ${target.role})`;
      if (e.desc === "SEQUENCE SET" && target.settableSequences.includes(name)) return undefined;
      if (e.desc === "TABLE DATA")
        return `${name}: managed by Supabase; the target's table is missing, not empty, or ${target.role} may not INSERT into it`;
      return `schema ${quoted(schema)} is managed by Supabase`;
    }
    if (e.desc === "EVENT TRIGGER" && !target.superuser) return `event trigger ${e.tag} needs a superuser`;
    // Statements run as the entry's owner: ALTER DEFAULT PRIVILEGES FOR ROLE, grants on a schema we do not create.
    if ((e.desc === "DEFAULT ACL" || (e.desc === "ACL" && schema && e.namespace === "-")) && e.owner && !can(e.owner)) {
      return `${label(e)}: ${target.role} cannot act as ${e.owner}`;
    }
    return undefined;
  };
  for (const e of entries) {
    const reason = decide(e);
    if (reason) skipped.push({ entry: label(e), reason });
    else kept.push(e);
  }
  // Data entries change no owner; a definition owned by a role we cannot act as would fail ALTER … OWNER.
  const definitions = kept.filter((e) => e.desc !== "TABLE DATA" && e.desc !== "SEQUENCE SET");
  const foreignOwners = [...new Set(definitions.map((e) => e.owner).filter((o) => o && !can(o)))];
  return {
    list: kept.map((e) => e.line).join("\n") + "\n",
    kept,
    skipped,
    noOwner: !!options.noOwner || foreignOwners.length > 0,
    replica: managedData,
  };
}

/** "auth: 34 entries (schema auth is managed by Supabase); …": one line per reason. */
export function summarizeSkipped(skipped: RestorePlan["skipped"]): string[] {
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  return [...byReason].map(([reason, n]) => `skipped ${n} entr${n === 1 ? "y" : "ies"}: ${reason}`);
}
