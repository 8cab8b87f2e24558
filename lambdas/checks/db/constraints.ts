// Constraints added NOT VALID (pg_constraint.convalidated = false; PgHero's invalid
// constraints): new rows are checked, existing ones never were, so the data may break them and
// the planner cannot rely on them. Usually a migration that added a foreign key or CHECK
// without locking the table and forgot the second step. VALIDATE CONSTRAINT scans the table
// under a SHARE UPDATE EXCLUSIVE lock only (reads and writes go on), so it is safe to run.
// Only the maintained schemas: Supabase's own are its services' business.
import type { Check } from "../../core/check";
import { withDatabase } from "./connect";

interface Row {
  schema: string;
  /** Table or domain, schema-qualified and quoted where needed. */
  target: string;
  kind: "table" | "domain";
  name: string;
  quoted: string;
  type: string;
  definition: string;
}

const TYPES: Record<string, string> = { f: "foreign key", c: "check", n: "not null" };

export const constraintsCheck: Check = {
  id: "invalid-constraints",
  title: "Contraintes NOT VALID jamais validées",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const schemas = ctx.inputs.database.maintainedSchemas;
      // A table's constraint has conrelid, a domain's contypid; the other is 0.
      const { rows } = await client.query<Row>(
        `SELECT n.nspname AS schema, k.conname AS name, quote_ident(k.conname) AS quoted, k.contype AS type, pg_get_constraintdef(k.oid) AS definition,
                CASE WHEN k.conrelid <> 0 THEN 'table' ELSE 'domain' END AS kind,
                CASE WHEN k.conrelid <> 0 THEN format('%I.%I', n.nspname, c.relname) ELSE format('%I.%I', n.nspname, ty.typname) END AS target
         FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
         LEFT JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_type ty ON ty.oid = k.contypid
         WHERE NOT k.convalidated AND n.nspname = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.deptype = 'e'
             AND (e.classid, e.objid) IN (('pg_class'::regclass, k.conrelid), ('pg_type'::regclass, k.contypid)))
         ORDER BY target, name`,
        [schemas],
      );
      const findings = rows.map((r) => ({
        [r.kind]: r.target,
        constraint: r.name,
        type: TYPES[r.type] ?? r.type,
        definition: r.definition,
        statement: `ALTER ${r.kind === "table" ? "TABLE" : "DOMAIN"} ${r.target} VALIDATE CONSTRAINT ${r.quoted};`,
      }));
      const details = { findings, schemas };
      const metrics = { invalidConstraints: findings.length };
      if (!findings.length)
        return { status: "ok", summary: `no NOT VALID constraint in ${schemas.join(", ")}`, details, metrics };
      return {
        status: "warn",
        summary: `${findings.length} constraint(s) never validated: ${rows.map((r) => `${r.target}.${r.name}`).join(", ")}`,
        details,
        metrics,
      };
    }),
};
