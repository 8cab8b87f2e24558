// Daily "SELECT now() - pg_last_vacuum_time … WHERE schemaname = 'public'" done right: a table
// needs attention when neither VACUUM nor autovacuum has been through for days (or ever) while
// dead tuples pile up; in every user schema (auth included), not only public. Plus tables whose
// dead-tuple ratio is high (autovacuum not keeping up, or disabled on the table), and tables
// holding rows the planner has no statistics for (never analyzed).
import type { Check } from "../../core/check";
import { days, NOT_EXTENSION_MEMBER_SQL, USER_SCHEMAS_SQL, withDatabase } from "./connect";

interface Row {
  table: string;
  live: number;
  dead: number;
  estimated: number;
  last_vacuum: Date | null;
  last_autovacuum: Date | null;
  analyzed: boolean;
  autovacuum_enabled: boolean;
}

export const vacuumCheck: Check = {
  id: "vacuum",
  title: "Vacuum : tables négligées, tuples morts, tables jamais analysées",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      // pg_stat_user_tables is readable by any role; numbers are since the statistics reset.
      const { rows } = await client.query<Row>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS table, s.n_live_tup::float8 AS live, s.n_dead_tup::float8 AS dead,
                greatest(c.reltuples, 0)::float8 AS estimated, s.last_vacuum, s.last_autovacuum,
                (s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL) AS analyzed,
                coalesce((SELECT o.option_value::bool FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_enabled'), true) AS autovacuum_enabled
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'm') AND ${USER_SCHEMAS_SQL} AND ${NOT_EXTENSION_MEMBER_SQL}
         ORDER BY 1`,
      );
      const now = ctx.now.getTime();
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      const lastOf = (r: Row) =>
        Math.max(r.last_vacuum?.getTime() ?? -Infinity, r.last_autovacuum?.getTime() ?? -Infinity);
      const ratioOf = (r: Row) => (r.live + r.dead > 0 ? r.dead / (r.live + r.dead) : 0);

      // Neither VACUUM nor autovacuum within vacuumMaxAgeDays (or never), with dead tuples to reclaim.
      const neglected = rows
        .filter(
          (r) =>
            r.dead > t.vacuumMinDeadTuples &&
            (lastOf(r) === -Infinity || now - lastOf(r) > t.vacuumMaxAgeDays * 86_400_000),
        )
        .sort((a, b) => b.dead - a.dead)
        .map((r) => ({
          table: r.table,
          deadTuples: r.dead,
          liveTuples: r.live,
          lastVacuum: iso(r.last_vacuum),
          lastAutovacuum: iso(r.last_autovacuum),
          daysSinceVacuum: lastOf(r) === -Infinity ? null : days(now - lastOf(r)),
          ...(r.autovacuum_enabled ? {} : { autovacuumDisabled: true }),
          statement: `VACUUM (ANALYZE) ${r.table};`,
        }));
      const deadRatio = rows
        .filter((r) => r.dead >= t.deadTupleRatioMinTuples && ratioOf(r) > t.deadTupleRatioWarn)
        .sort((a, b) => ratioOf(b) - ratioOf(a))
        .map((r) => ({
          table: r.table,
          deadTuples: r.dead,
          liveTuples: r.live,
          deadRatio: Number(ratioOf(r).toFixed(3)),
          ...(r.autovacuum_enabled ? {} : { autovacuumDisabled: true }),
        }));
      // Rows in the table (by the counters or the planner's estimate) but no ANALYZE ever.
      const neverAnalyzed = rows
        .filter((r) => !r.analyzed && Math.max(r.live + r.dead, r.estimated) > 0)
        .map((r) => ({
          table: r.table,
          liveTuples: r.live,
          estimatedRows: r.estimated,
          statement: `ANALYZE ${r.table};`,
        }));

      const details = {
        neglected,
        deadRatio,
        neverAnalyzed,
        tablesChecked: rows.length,
        thresholds: {
          vacuumMaxAgeDays: t.vacuumMaxAgeDays,
          vacuumMinDeadTuples: t.vacuumMinDeadTuples,
          deadTupleRatioWarn: t.deadTupleRatioWarn,
        },
      };
      const metrics = {
        neglectedTables: neglected.length,
        highDeadRatioTables: deadRatio.length,
        neverAnalyzedTables: neverAnalyzed.length,
        deadTuples: rows.reduce((sum, r) => sum + r.dead, 0),
      };
      const list = (xs: { table: string }[]) => xs.map((x) => x.table).join(", ");
      const problems = [
        neglected.length &&
          `${neglected.length} table(s) not vacuumed for ${t.vacuumMaxAgeDays}+ days with > ${t.vacuumMinDeadTuples} dead tuples: ${list(neglected)}`,
        deadRatio.length &&
          `${deadRatio.length} table(s) above ${(t.deadTupleRatioWarn * 100).toFixed(0)}% dead tuples: ${deadRatio.map((d) => `${d.table} (${(d.deadRatio * 100).toFixed(0)}%)`).join(", ")}`,
        neverAnalyzed.length && `${neverAnalyzed.length} table(s) never analyzed: ${list(neverAnalyzed)}`,
      ].filter(Boolean);
      if (problems.length) return { status: "warn" as const, summary: problems.join("; "), details, metrics };
      return {
        status: "ok" as const,
        summary: `${rows.length} tables: vacuumed and analyzed in time, dead tuples under ${(t.deadTupleRatioWarn * 100).toFixed(0)}%`,
        details,
        metrics,
      };
    }),
};
