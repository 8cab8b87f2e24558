// The tables that reference public.rides, and what the archive does about them. Moving a ride
// out of rides fires every foreign key that points at it: ON DELETE CASCADE / SET NULL / SET
// DEFAULT would silently delete or rewrite the dependents, NO ACTION / RESTRICT would fail the
// batch. So by default a ride that still has a dependent row STAYS in rides; the tables listed
// in `withDependents` instead move with their ride into `<table>_archive`, children first, in
// the ride's own transaction. A reference from a table not listed (to a ride or to a row of a
// listed table) keeps the ride.
import type { Client } from "pg";

export const RIDES = "public.rides";

export interface ForeignKey {
  /** Schema-qualified and quoted as needed (format('%I.%I')): valid SQL and readable. */
  table: string;
  name: string;
  columns: string[];
  ref: string;
  refColumns: string[];
  /** pg_constraint.confdeltype: a no action, r restrict, c cascade, n set null, d set default. */
  onDelete: string;
  /** An index leads with the key's columns (a ride's dependents are then an index probe away). */
  indexed: boolean;
}

export interface References {
  /** Foreign keys from tables that stay, onto rides or a listed table: each keeps the rides it reaches. */
  blockers: ForeignKey[];
  /** The listed tables, children first (the order their rows are moved in), each with the key to its parent. */
  dependents: { table: string; archive: string; parent: ForeignKey }[];
}

export const ON_DELETE: Record<string, string> = {
  a: "NO ACTION",
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT",
};

const qualified = (oid: string) =>
  `(SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ${oid})`;
const columnsOf = (rel: string, keys: string) =>
  `(SELECT array_agg(quote_ident(a.attname) ORDER BY u.i) FROM unnest(${keys}) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = u.n)`;

async function foreignKeysOnto(client: Client, tables: string[]): Promise<ForeignKey[]> {
  const { rows } = await client.query<ForeignKey>(
    `SELECT ${qualified("k.conrelid")} AS "table", k.conname AS name, ${columnsOf("k.conrelid", "k.conkey")} AS columns,
       ${qualified("k.confrelid")} AS ref, ${columnsOf("k.confrelid", "k.confkey")} AS "refColumns", k.confdeltype AS "onDelete",
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = k.conrelid
         AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] <@ k.conkey) AS indexed
     FROM pg_constraint k WHERE k.contype = 'f' AND k.confrelid = ANY ($1::regclass[]) ORDER BY 1, 2`,
    [tables],
  );
  return rows;
}

/** Every foreign key onto rides (any schema), and the plan for the tables listed to move along. */
export async function findReferences(client: Client, withDependents: string[] = []): Promise<References> {
  const listed: string[] = [];
  for (const name of withDependents) {
    const {
      rows: [t],
    } = await client.query<{ t: string | null }>(`SELECT ${qualified("to_regclass($1)")} AS t`, [name]);
    if (!t.t)
      throw new Error(`database.tasks.archive.withDependents lists ${name}, which does not exist; nothing was moved`);
    if (t.t === RIDES)
      throw new Error(
        "database.tasks.archive.withDependents lists public.rides itself; list the tables that reference it",
      );
    listed.push(t.t);
  }
  const moved = new Set([RIDES, ...listed]);
  const keys = await foreignKeysOnto(client, [...moved]);
  const blockers = keys.filter((k) => !moved.has(k.table));
  // Each listed table's way to rides: its key onto rides, else onto another listed table.
  const parentOf = new Map<string, ForeignKey>();
  for (let changed = true; changed;) {
    changed = false;
    for (const t of listed) {
      if (parentOf.has(t)) continue;
      const up =
        keys.find((k) => k.table === t && k.ref === RIDES) ??
        keys.find((k) => k.table === t && k.ref !== t && parentOf.has(k.ref));
      if (up) {
        parentOf.set(t, up);
        changed = true;
      }
    }
  }
  const lost = listed.filter((t) => !parentOf.has(t));
  if (lost.length)
    throw new Error(
      `database.tasks.archive.withDependents lists ${lost.join(", ")}, which reference(s) neither public.rides nor another listed table; nothing was moved`,
    );
  const depth = (t: string): number => (t === RIDES ? 0 : 1 + depth(parentOf.get(t)!.ref));
  const dependents = [...listed]
    .sort((a, b) => depth(b) - depth(a))
    .map((t) => ({ table: t, archive: archiveOf(t), parent: parentOf.get(t)! }));
  return { blockers, dependents };
}

/** `public.ride_payments` → `public.ride_payments_archive` (quoted as needed). */
export function archiveOf(table: string): string {
  const m = /^(.*)\.("?)(.*?)\2$/.exec(table)!;
  const name = `${m[3].replace(/""/g, '"')}_archive`;
  return `${m[1]}.${/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`}`;
}

const on = (k: ForeignKey, child: string, parent: string) =>
  k.columns.map((c, i) => `${child}.${c} = ${parent}.${k.refColumns[i]}`).join(" AND ");

/** Rows of `table` (as `alias`) whose ride `selection` (a predicate on `r`) picks: nested semi-joins up to rides. */
export function rowsOf(refs: References, table: string, alias: string, selection: string, depth = 1): string {
  if (table === RIDES) return selection;
  const k = refs.dependents.find((d) => d.table === table)!.parent;
  const p = k.ref === RIDES ? "r" : `p${depth}`;
  return `(${k.columns.map((c) => `${alias}.${c}`).join(", ")}) IN (SELECT ${k.refColumns.map((c) => `${p}.${c}`).join(", ")} FROM ${k.ref} ${p} WHERE ${rowsOf(refs, k.ref, p, selection, depth + 1)})`;
}

/** `alias` (a row of a listed table) belongs to the ride `r` of the enclosing query. */
function belongs(refs: References, table: string, alias: string, depth: number): string {
  const k = refs.dependents.find((d) => d.table === table)!.parent;
  if (k.ref === RIDES) return on(k, alias, "r");
  const p = `q${depth}`;
  return `EXISTS (SELECT 1 FROM ${k.ref} ${p} WHERE ${on(k, alias, p)} AND ${belongs(refs, k.ref, p, depth + 1)})`;
}

/** True when `blocker` still has a row reaching the ride `r`. */
export function reaches(refs: References, blocker: ForeignKey): string {
  if (blocker.ref === RIDES) return `EXISTS (SELECT 1 FROM ${blocker.table} b WHERE ${on(blocker, "b", "r")})`;
  return `EXISTS (SELECT 1 FROM ${blocker.table} b JOIN ${blocker.ref} x ON ${on(blocker, "b", "x")} WHERE ${belongs(refs, blocker.ref, "x", 1)})`;
}

/** A predicate on `r`: no table that stays references the ride (or its listed dependents). */
export const unreferenced = (refs: References): string =>
  refs.blockers.length ? refs.blockers.map((b) => `NOT ${reaches(refs, b)}`).join(" AND ") : "true";

/** Creates the listed tables' archives like the originals (columns, defaults, checks, indexes; no foreign keys). */
export async function createDependentArchives(client: Client, refs: References): Promise<void> {
  for (const d of refs.dependents) {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${d.archive} (LIKE ${d.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
    );
  }
}

/** `public.ride_payments (ride_payments_ride_id_fkey, ON DELETE CASCADE)` */
export const describeKey = (k: ForeignKey) =>
  `${k.table} (${k.name}, ON DELETE ${ON_DELETE[k.onDelete] ?? k.onDelete})`;
