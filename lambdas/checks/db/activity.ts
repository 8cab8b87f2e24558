// What PgHero shows first: long-running queries, sessions idle in a transaction (they hold
// locks and block vacuum), connections against max_connections, and the cache hit ratio.
// A non-superuser without pg_read_all_stats sees other roles' sessions without their query
// text; the details say so instead of guessing.
import type { Check, CheckResult } from "../../checklist/types";
import { withDatabase } from "./connect";

const MIN_READS_FOR_RATIO = 10_000;

export const activityCheck: Check = {
  id: "activity",
  title: "Requêtes longues, transactions inactives, connexions, cache",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      const { rows: sessions } = await client.query<{ pid: number; user: string; app: string; state: string; seconds: number; query: string }>(
        `SELECT pid, usename AS user, application_name AS app, state,
                extract(epoch FROM now() - CASE WHEN state = 'active' THEN query_start ELSE xact_start END)::int AS seconds,
                left(query, 200) AS query
         FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND datname = current_database()
           AND ((state = 'active' AND now() - query_start > make_interval(secs => $1))
             OR (state LIKE 'idle in transaction%' AND now() - xact_start > make_interval(secs => $2)))`,
        [t.longQuerySeconds, t.idleInTransactionSeconds],
      );
      const { rows: [c] } = await client.query<{ used: number; max: number; hit: string | null; read: string | null }>(
        `SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,
                current_setting('max_connections')::int AS max,
                (SELECT sum(heap_blks_hit) FROM pg_statio_user_tables)::text AS hit,
                (SELECT sum(heap_blks_read) FROM pg_statio_user_tables)::text AS read`,
      );
      const longQueries = sessions.filter((s) => s.state === "active");
      const idleInTransaction = sessions.filter((s) => s.state !== "active");
      const [hit, read] = [Number(c.hit ?? 0), Number(c.read ?? 0)];
      const cacheHitRatio = hit + read >= MIN_READS_FOR_RATIO ? hit / (hit + read) : undefined;
      const ratio = c.used / c.max;
      const problems: { status: CheckResult["status"]; text: string }[] = [];
      if (longQueries.length) problems.push({ status: "warn", text: `${longQueries.length} quer${longQueries.length > 1 ? "ies" : "y"} running > ${t.longQuerySeconds} s` });
      if (idleInTransaction.length) problems.push({ status: "warn", text: `${idleInTransaction.length} session(s) idle in transaction > ${t.idleInTransactionSeconds} s` });
      if (ratio >= t.connectionsWarn) problems.push({ status: ratio >= t.connectionsFail ? "fail" : "warn", text: `${c.used}/${c.max} connections` });
      if (cacheHitRatio !== undefined && cacheHitRatio < t.cacheHitRatioWarn) problems.push({ status: "warn", text: `cache hit ratio ${(cacheHitRatio * 100).toFixed(1)}%` });
      const details = {
        longQueries, idleInTransaction, connections: c.used, maxConnections: c.max, cacheHitRatio,
        ...(sessions.some((s) => s.query === "<insufficient privilege>") ? { note: "query texts of other roles need pg_read_all_stats (granted to the maintenance role)" } : {}),
      };
      const metrics = { connections: c.used, longQueries: longQueries.length, idleInTransaction: idleInTransaction.length, ...(cacheHitRatio !== undefined ? { cacheHitRatio } : {}) };
      if (!problems.length) return { status: "ok", summary: `${c.used}/${c.max} connections, no long query or idle transaction${cacheHitRatio !== undefined ? `, cache hit ${(cacheHitRatio * 100).toFixed(1)}%` : ""}`, details, metrics };
      const status = problems.some((p) => p.status === "fail") ? "fail" : "warn";
      return { status, summary: problems.map((p) => p.text).join("; "), details, metrics };
    }),
};
