// Daily "last vacuum" done right: a table needs attention when neither VACUUM nor autovacuum
// has been through for days while dead rows pile up; plus dead-row ratios and tables the
// planner has no statistics for.
import type { Check } from "../../checklist/types";
import { USER_SCHEMAS_SQL, withDatabase } from "./connect";

export const vacuumCheck: Check = {
  id: "vacuum",
  title: "Vacuum : tables négligées, tuples morts, tables jamais analysées",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      const { rows } = await client.query<{ table: string; live: string; dead: string; last: Date | null; analyzed: boolean }>(
        `SELECT s.schemaname || '.' || s.relname AS table, s.n_live_tup AS live, s.n_dead_tup AS dead,
                greatest(s.last_vacuum, s.last_autovacuum) AS last,
                (s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL) AS analyzed
         FROM pg_stat_user_tables s JOIN pg_namespace n ON n.nspname = s.schemaname WHERE ${USER_SCHEMAS_SQL}`,
      );
      const ageDays = (d: Date | null) => (d ? Math.floor((ctx.now.getTime() - d.getTime()) / 86_400_000) : null);
      const neglected = rows
        .filter((r) => Number(r.dead) > t.vacuumMinDeadTuples && (r.last === null || ageDays(r.last)! > t.vacuumMaxAgeDays))
        .map((r) => ({ table: r.table, deadTuples: Number(r.dead), lastVacuumDaysAgo: ageDays(r.last) }));
      const deadRatio = rows
        .filter((r) => Number(r.dead) > 1000 && Number(r.dead) / (Number(r.live) + Number(r.dead)) > t.deadTupleRatioWarn)
        .map((r) => ({ table: r.table, deadTuples: Number(r.dead), liveTuples: Number(r.live), deadRatio: Number((Number(r.dead) / (Number(r.live) + Number(r.dead))).toFixed(3)) }));
      const neverAnalyzed = rows.filter((r) => !r.analyzed && Number(r.live) + Number(r.dead) > 0).map((r) => ({ table: r.table, liveTuples: Number(r.live) }));
      const details = { neglected, deadRatio, neverAnalyzed };
      const metrics = { neglectedTables: neglected.length, deadTuples: rows.reduce((sum, r) => sum + Number(r.dead), 0) };
      const problems = [
        neglected.length && `${neglected.length} table(s) not vacuumed for ${t.vacuumMaxAgeDays}+ days with > ${t.vacuumMinDeadTuples} dead tuples: ${neglected.map((n) => n.table).join(", ")}`,
        deadRatio.length && `${deadRatio.length} table(s) above ${t.deadTupleRatioWarn * 100}% dead tuples: ${deadRatio.map((n) => n.table).join(", ")}`,
        neverAnalyzed.length && `${neverAnalyzed.length} table(s) never analyzed: ${neverAnalyzed.map((n) => n.table).join(", ")}`,
      ].filter(Boolean);
      if (problems.length) return { status: "warn" as const, summary: problems.join("; "), details, metrics };
      return { status: "ok" as const, summary: `${rows.length} tables vacuumed and analyzed in time`, details, metrics };
    }),
};
