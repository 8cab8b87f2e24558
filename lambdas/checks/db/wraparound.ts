// Transaction-ID and multixact wraparound (check_postgres txn_wraparound, PgHero's
// "transaction ID danger"), well before autovacuum's emergency freeze, and each table's age
// against its autovacuum_freeze_max_age (PgHero's "autovacuum danger"); and sequences close to
// the maximum of the column they feed (PgHero's sequence danger: an int column fed by a bigint
// sequence overflows at 2^31-1 whatever the sequence allows).
import type { Check, CheckStatus } from "../../core/check";
import { worst } from "../../core/check";
import { grade, NOT_EXTENSION_MEMBER_SQL, USER_SCHEMAS_SQL, withDatabase } from "./connect";

/** How many of the oldest tables the details show for context, flagged or not. */
const OLDEST_SHOWN = 5;
/** How many flagged tables the summary names; the details list every one. */
const NAMED_IN_SUMMARY = 10;
/** Where PostgreSQL stops assigning transaction IDs (2^31 minus its 3M safety margin, rounded). */
const XID_LIMIT = 2 ** 31;

interface TableAge {
  table: string;
  xid: number;
  mxid: number;
  /** The table's autovacuum_freeze_max_age (storage parameter, else the server's) and multixact one. */
  freeze_max_age: number;
  mxid_freeze_max_age: number;
}

// A table's age is its own or its TOAST table's, whichever is older.
const AGES_SQL = `WITH ages AS (
  SELECT format('%I.%I', n.nspname, c.relname) AS table,
         greatest(age(c.relfrozenxid), coalesce(age(tt.relfrozenxid), 0)) AS xid,
         greatest(mxid_age(c.relminmxid), coalesce(mxid_age(tt.relminmxid), 0)) AS mxid,
         coalesce((SELECT o.option_value::int FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_freeze_max_age'),
                  current_setting('autovacuum_freeze_max_age')::int) AS freeze_max_age,
         coalesce((SELECT o.option_value::int FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_multixact_freeze_max_age'),
                  current_setting('autovacuum_multixact_freeze_max_age')::int) AS mxid_freeze_max_age
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class tt ON tt.oid = c.reltoastrelid
  WHERE c.relkind IN ('r', 'm') AND ${USER_SCHEMAS_SQL} AND ${NOT_EXTENSION_MEMBER_SQL})`;

export const wraparoundCheck: Check = {
  id: "wraparound",
  title: "Âge des identifiants de transaction et multixact (wraparound)",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      const {
        rows: [db],
      } = await client.query<{ xid: number; mxid: number; freeze_max_age: number; mxid_freeze_max_age: number }>(
        `SELECT age(datfrozenxid) AS xid, mxid_age(datminmxid) AS mxid,
                current_setting('autovacuum_freeze_max_age')::int AS freeze_max_age,
                current_setting('autovacuum_multixact_freeze_max_age')::int AS mxid_freeze_max_age
         FROM pg_database WHERE datname = current_database()`,
      );
      // Every table over a threshold, however many (PgHero lists them all), then the oldest for context.
      const { rows: over } = await client.query<TableAge>(
        `${AGES_SQL} SELECT * FROM ages
         WHERE greatest(xid, mxid) >= $1 OR xid >= $2::float8 * freeze_max_age OR mxid >= $2::float8 * mxid_freeze_max_age
         ORDER BY xid DESC, mxid DESC, 1`,
        [t.xidAgeWarn, t.freezeMaxAgeRatioWarn],
      );
      const { rows: oldest } = await client.query<TableAge>(
        `${AGES_SQL} SELECT * FROM ages ORDER BY xid DESC, mxid DESC, 1 LIMIT ${OLDEST_SHOWN}`,
      );
      const gradeOf = (age: number) => grade(age, t.xidAgeWarn, t.xidAgeFail);
      const ratio = (age: number, max: number) => Number((age / max).toFixed(4));
      const describe = (r: TableAge) => ({
        table: r.table,
        xidAge: r.xid,
        multixactAge: r.mxid,
        freezeMaxAge: r.freeze_max_age,
        // Past 1: the anti-wraparound autovacuum is overdue (blocked, or not keeping up).
        freezeMaxAgeRatio: Math.max(ratio(r.xid, r.freeze_max_age), ratio(r.mxid, r.mxid_freeze_max_age)),
        status: worst(gradeOf(r.xid), gradeOf(r.mxid)),
        statement: `VACUUM (FREEZE, ANALYZE) ${r.table};`,
      });
      const tables = over.map(describe).map((x) => ({
        ...x,
        status: worst(x.status, x.freezeMaxAgeRatio >= t.freezeMaxAgeRatioWarn ? "warn" : "ok"),
      }));
      const status = worst(gradeOf(db.xid), gradeOf(db.mxid), ...tables.map((x) => x.status));
      const details = {
        database: {
          xidAge: db.xid,
          multixactAge: db.mxid,
          xidUsedPercent: Number(((db.xid / XID_LIMIT) * 100).toFixed(2)),
        },
        tables,
        oldestTables: oldest.map(describe),
        settings: {
          autovacuumFreezeMaxAge: db.freeze_max_age,
          autovacuumMultixactFreezeMaxAge: db.mxid_freeze_max_age,
        },
        thresholds: { warn: t.xidAgeWarn, fail: t.xidAgeFail, freezeMaxAgeRatioWarn: t.freezeMaxAgeRatioWarn },
      };
      const n = (x: number) => x.toLocaleString("en");
      let summary = `transaction ID age ${n(db.xid)} (${details.database.xidUsedPercent}% of 2^31), multixact age ${n(db.mxid)} (warn at ${n(t.xidAgeWarn)}, fail at ${n(t.xidAgeFail)})`;
      if (tables.length) {
        const named = tables
          .slice(0, NAMED_IN_SUMMARY)
          .map(
            (x) =>
              `${x.table} (xid ${n(x.xidAge)}, mxid ${n(x.multixactAge)}, ${(x.freezeMaxAgeRatio * 100).toFixed(0)}% of freeze max age)`,
          );
        summary += `; ${tables.length} table(s) to freeze: ${named.join(", ")}${tables.length > NAMED_IN_SUMMARY ? ` and ${tables.length - NAMED_IN_SUMMARY} more` : ""}`;
      }
      return {
        status,
        summary,
        details,
        metrics: { xidAge: db.xid, multixactAge: db.mxid, tablesToFreeze: tables.length },
      };
    }),
};

// Largest (and smallest) value a column of each integer type holds.
const TYPE_LIMITS: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

interface SequenceRow {
  sequence: string;
  increment: string;
  min: string;
  max: string;
  last: string | null;
  cycle: boolean;
  readable: boolean;
  column: string | null;
  type: string | null;
}

export interface SequenceUsage {
  sequence: string;
  /** The columns it feeds (owned by, identity or DEFAULT nextval), with their types. */
  columns: { column: string; type: string }[];
  lastValue: string | null;
  /** The value at which the next nextval() (or the insert into the narrowest column) fails. */
  limit: string;
  /** What limits it: the sequence's own max, or the narrowest column's type. */
  limitedBy: string;
  usedRatio: number;
  cycle?: true;
}

/** Fraction of the range used, 4 decimals: last / limit (same sign: descending sequences count down). */
export function usedRatio(last: bigint, limit: bigint): number {
  if (limit === 0n || last > 0n !== limit > 0n) return 0;
  return Number((last * 10_000n) / limit) / 10_000;
}

export function sequenceUsage(rows: SequenceRow[]): { usage: SequenceUsage[]; unreadable: string[] } {
  const bySequence = new Map<string, SequenceRow[]>();
  for (const r of rows) bySequence.set(r.sequence, [...(bySequence.get(r.sequence) ?? []), r]);
  const usage: SequenceUsage[] = [];
  const unreadable: string[] = [];
  for (const [sequence, group] of bySequence) {
    const s = group[0];
    // last_value is NULL when the sequence was never used, or the role may not read it.
    if (s.last === null && !s.readable) {
      unreadable.push(sequence);
      continue;
    }
    const ascending = BigInt(s.increment) > 0n;
    const columns = group.filter((g) => g.column !== null).map((g) => ({ column: g.column!, type: g.type! }));
    let limit = BigInt(ascending ? s.max : s.min);
    let limitedBy = `sequence ${ascending ? "max" : "min"}_value`;
    for (const c of columns) {
      const bounds = TYPE_LIMITS[c.type];
      if (!bounds) continue;
      const bound = ascending ? bounds[1] : bounds[0];
      if (ascending ? bound < limit : bound > limit) [limit, limitedBy] = [bound, `${c.column} (${c.type})`];
    }
    const ratio = s.last === null ? 0 : usedRatio(BigInt(s.last), limit);
    usage.push({
      sequence,
      columns,
      lastValue: s.last,
      limit: limit.toString(),
      limitedBy,
      usedRatio: ratio,
      ...(s.cycle ? { cycle: true as const } : {}),
    });
  }
  return { usage, unreadable };
}

export const sequencesCheck: Check = {
  id: "sequences",
  title: "Séquences proches de leur maximum",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      // The columns a sequence feeds: OWNED BY / identity (the sequence depends on the column,
      // deptype a or i) and DEFAULT nextval(...) (the column default depends on the sequence).
      const { rows } = await client.query<SequenceRow>(
        `SELECT format('%I.%I', s.schemaname, s.sequencename) AS sequence, s.increment_by::text AS increment,
                s.min_value::text AS min, s.max_value::text AS max, s.last_value::text AS last, s.cycle,
                has_sequence_privilege(c.oid, 'SELECT, USAGE') AS readable, col.column, col.type
         FROM pg_sequences s
         JOIN pg_namespace n ON n.nspname = s.schemaname JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
         LEFT JOIN LATERAL (
           SELECT format('%I.%I.%I', tn.nspname, tc.relname, a.attname) AS column, format_type(a.atttypid, NULL) AS type
           FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
           JOIN pg_class tc ON tc.oid = a.attrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
           UNION
           SELECT format('%I.%I.%I', tn.nspname, tc.relname, a.attname), format_type(a.atttypid, NULL)
           FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
           JOIN pg_class tc ON tc.oid = a.attrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
           WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid
         ) col ON true
         WHERE ${USER_SCHEMAS_SQL} AND ${NOT_EXTENSION_MEMBER_SQL}
         ORDER BY 1, col.column`,
      );
      const { usage, unreadable } = sequenceUsage(rows);
      const gradeOf = (u: SequenceUsage) => grade(u.usedRatio, t.sequenceUsedWarn, t.sequenceUsedFail);
      const findings = usage
        .filter((u) => gradeOf(u) !== "ok")
        .sort((a, b) => b.usedRatio - a.usedRatio)
        .map((u) => ({ ...u, status: gradeOf(u) }));
      const status: CheckStatus = worst(...findings.map((f) => f.status));
      const top = usage.reduce<SequenceUsage | undefined>(
        (m, u) => (!m || u.usedRatio > m.usedRatio ? u : m),
        undefined,
      );
      const details = {
        findings,
        sequencesChecked: usage.length,
        ...(unreadable.length
          ? {
              unreadable,
              note: `${unreadable.length} sequence(s) this role may not read (needs SELECT or USAGE): not judged`,
            }
          : {}),
        thresholds: { warn: t.sequenceUsedWarn, fail: t.sequenceUsedFail },
      };
      const metrics = { maxSequenceUsedRatio: top?.usedRatio ?? 0, sequencesNearLimit: findings.length };
      const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
      if (!findings.length) {
        const most = top ? `, the most used: ${top.sequence} at ${pct(top.usedRatio)} of ${top.limit}` : "";
        return {
          status,
          summary: `${usage.length} sequences under ${pct(t.sequenceUsedWarn)} of their limit${most}${unreadable.length ? ` (${unreadable.length} unreadable)` : ""}`,
          details,
          metrics,
        };
      }
      return {
        status,
        summary: findings
          .map((f) => `${f.sequence} at ${pct(f.usedRatio)} of ${f.limit} (limited by ${f.limitedBy})`)
          .join("; "),
        details,
        metrics,
      };
    }),
};
