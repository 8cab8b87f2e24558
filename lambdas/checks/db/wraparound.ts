// Transaction-ID and multixact wraparound, well before autovacuum's emergency freeze; and
// sequences close to the maximum of the column they feed (an int column fed by a bigint
// sequence overflows at 2^31-1 whatever the sequence allows).
import type { Check, CheckResult } from "../../checklist/types";
import { USER_SCHEMAS_SQL, withDatabase } from "./connect";

const grade = (value: number, warn: number, fail: number): CheckResult["status"] => (value >= fail ? "fail" : value >= warn ? "warn" : "ok");
const WORST = { ok: 0, warn: 1, fail: 2 } as const;

export const wraparoundCheck: Check = {
  id: "wraparound",
  title: "Âge des identifiants de transaction et multixact (wraparound)",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      const { rows: [db] } = await client.query<{ xid: number; mxid: number }>(
        "SELECT age(datfrozenxid) AS xid, mxid_age(datminmxid) AS mxid FROM pg_database WHERE datname = current_database()",
      );
      const { rows: tables } = await client.query<{ table: string; xid: number; mxid: number }>(
        `SELECT n.nspname || '.' || c.relname AS table, age(c.relfrozenxid) AS xid, mxid_age(c.relminmxid) AS mxid
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'm', 't') AND ${USER_SCHEMAS_SQL} ORDER BY age(c.relfrozenxid) DESC LIMIT 5`,
      );
      const status = [grade(db.xid, t.xidAgeWarn, t.xidAgeFail), grade(db.mxid, t.xidAgeWarn, t.xidAgeFail)].reduce((a, b) => (WORST[b] > WORST[a] ? b : a));
      const details = { database: { xidAge: db.xid, multixactAge: db.mxid }, oldestTables: tables, thresholds: { warn: t.xidAgeWarn, fail: t.xidAgeFail } };
      const summary = `transaction ID age ${db.xid.toLocaleString("en")}, multixact age ${db.mxid.toLocaleString("en")} (warn at ${t.xidAgeWarn.toLocaleString("en")}, fail at ${t.xidAgeFail.toLocaleString("en")})`;
      return { status, summary, details, metrics: { xidAge: db.xid, multixactAge: db.mxid } };
    }),
};

export const sequencesCheck: Check = {
  id: "sequences",
  title: "Séquences proches de leur maximum",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      // The limit is the smaller of the sequence's max and the owning column's type max.
      const { rows } = await client.query<{ sequence: string; column: string | null; last: string; max: string }>(
        `SELECT s.schemaname || '.' || s.sequencename AS sequence,
                CASE WHEN a.attname IS NOT NULL THEN tn.nspname || '.' || tc.relname || '.' || a.attname END AS column,
                coalesce(s.last_value, s.start_value)::text AS last,
                least(s.max_value, CASE format_type(a.atttypid, NULL) WHEN 'smallint' THEN 32767 WHEN 'integer' THEN 2147483647 ELSE s.max_value END)::text AS max
         FROM pg_sequences s
         JOIN pg_class sc ON sc.relname = s.sequencename JOIN pg_namespace sn ON sn.oid = sc.relnamespace AND sn.nspname = s.schemaname
         LEFT JOIN pg_depend d ON d.objid = sc.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
         LEFT JOIN pg_class tc ON tc.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')`,
      );
      const used = rows.map((r) => ({ ...r, used: Number(BigInt(r.last) * 10_000n / BigInt(r.max)) / 10_000 }));
      const findings = used.filter((r) => r.used >= t.sequenceUsedWarn).map((r) => ({ sequence: r.sequence, column: r.column, lastValue: r.last, max: r.max, usedRatio: r.used }));
      const status = findings.reduce<CheckResult["status"]>((worst, f) => (WORST[grade(f.usedRatio, t.sequenceUsedWarn, t.sequenceUsedFail)] > WORST[worst] ? grade(f.usedRatio, t.sequenceUsedWarn, t.sequenceUsedFail) : worst), "ok");
      const top = Math.max(0, ...used.map((r) => r.used));
      if (!findings.length) return { status, summary: `${rows.length} sequences, the most used at ${(top * 100).toFixed(2)}% of its maximum`, metrics: { maxSequenceUsedRatio: top } };
      return {
        status,
        summary: findings.map((f) => `${f.sequence}${f.column ? ` (${f.column})` : ""} at ${(f.usedRatio * 100).toFixed(1)}% of ${f.max}`).join("; "),
        details: findings,
        metrics: { maxSequenceUsedRatio: top },
      };
    }),
};
