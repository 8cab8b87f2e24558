// What PgHero shows first: long-running queries (warn past longQueryWarnSeconds, PgHero's
// 60 s, fail past longQueryFailSeconds), sessions idle in a transaction (they hold locks and
// keep vacuum from removing dead tuples), connections against max_connections (connections.ts)
// and the buffer cache hit ratio.
//
// Privileges: a role without pg_read_all_stats (or pg_monitor) sees other roles' sessions in
// pg_stat_activity with state, times and query all NULL ("<insufficient privilege>"). They are
// still counted as connections; they cannot be judged, and the details say how many were hidden.
import type { Check, CheckStatus } from "../../core/check";
import { worst } from "../../core/check";
import { grade, readsAllStats, withDatabase } from "./connect";
import { CLIENT_SESSION_SQL, countConnections, judgeConnections } from "./connections";

interface Session {
  pid: number;
  user: string | null;
  app: string | null;
  client: string | null;
  state: string | null;
  query_seconds: number | null;
  xact_seconds: number | null;
  state_seconds: number | null;
  wait: string | null;
  query: string | null;
}

export const activityCheck: Check = {
  id: "activity",
  title: "Requêtes longues, transactions inactives, connexions, cache",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      const allStats = await readsAllStats(client);
      const { rows: sessions } = await client.query<Session>(
        `SELECT pid, usename AS user, application_name AS app, client_addr::text AS client, state,
                extract(epoch FROM now() - query_start)::float8 AS query_seconds,
                extract(epoch FROM now() - xact_start)::float8 AS xact_seconds,
                extract(epoch FROM now() - state_change)::float8 AS state_seconds,
                CASE WHEN wait_event IS NOT NULL THEN wait_event_type || ':' || wait_event END AS wait,
                left(query, 500) AS query
         FROM pg_stat_activity a
         WHERE pid <> pg_backend_pid() AND datname = current_database() AND ${CLIENT_SESSION_SQL}`,
      );
      const connections = await countConnections(client);
      const {
        rows: [c],
      } = await client.query<{ hit: string | null; read: string | null }>(
        `SELECT (SELECT sum(heap_blks_hit) FROM pg_statio_user_tables)::text AS hit,
                (SELECT sum(heap_blks_read) FROM pg_statio_user_tables)::text AS read`,
      );
      const round = (x: number | null) => (x === null ? null : Math.round(x));
      const describe = (s: Session) => ({
        pid: s.pid,
        user: s.user,
        app: s.app,
        client: s.client,
        state: s.state,
        wait: s.wait,
        query: s.query,
      });
      // Hidden: another role's session, state and query withheld from this role.
      const hidden = sessions.filter((s) => s.state === null && s.query === "<insufficient privilege>");
      const longQueries = sessions
        .filter((s) => s.state === "active" && (s.query_seconds ?? 0) > t.longQueryWarnSeconds)
        .sort((a, b) => b.query_seconds! - a.query_seconds!)
        .map((s) => ({
          ...describe(s),
          runningSeconds: round(s.query_seconds),
          transactionSeconds: round(s.xact_seconds),
          status: grade(s.query_seconds!, t.longQueryWarnSeconds, t.longQueryFailSeconds),
          statement: `SELECT pg_cancel_backend(${s.pid});`,
        }));
      // Idle in transaction for longer than the threshold (since its last statement ended, as
      // check_postgres txn_idle), with how long the transaction has been open.
      const idleInTransaction = sessions
        .filter(
          (s) => s.state?.startsWith("idle in transaction") && (s.state_seconds ?? 0) > t.idleInTransactionSeconds,
        )
        .sort((a, b) => b.state_seconds! - a.state_seconds!)
        .map((s) => ({
          ...describe(s),
          idleSeconds: round(s.state_seconds),
          transactionSeconds: round(s.xact_seconds),
          statement: `SELECT pg_terminate_backend(${s.pid});`,
        }));

      const [hit, read] = [Number(c.hit ?? 0), Number(c.read ?? 0)];
      // Since the statistics reset; too few blocks and the ratio means nothing.
      const cacheHitRatio =
        hit + read >= t.cacheHitMinBlocks && hit + read > 0 ? Number((hit / (hit + read)).toFixed(4)) : undefined;
      const ratio = connections.ratio;

      const problems: { status: CheckStatus; text: string }[] = [];
      for (const [status, over] of [
        ["fail", t.longQueryFailSeconds],
        ["warn", t.longQueryWarnSeconds],
      ] as const) {
        const these = longQueries.filter((q) => q.status === status);
        if (these.length)
          problems.push({
            status,
            text: `${these.length} quer${these.length > 1 ? "ies" : "y"} running > ${over} s (pid ${these.map((q) => q.pid).join(", ")})`,
          });
      }
      if (idleInTransaction.length)
        problems.push({
          status: "warn",
          text: `${idleInTransaction.length} session(s) idle in transaction > ${t.idleInTransactionSeconds} s (pid ${idleInTransaction.map((q) => q.pid).join(", ")})`,
        });
      const judged = judgeConnections(connections, t);
      if (judged.status !== "ok") problems.push(judged);
      if (cacheHitRatio !== undefined && cacheHitRatio < t.cacheHitRatioWarn)
        problems.push({
          status: "warn",
          text: `cache hit ratio ${(cacheHitRatio * 100).toFixed(2)}% < ${(t.cacheHitRatioWarn * 100).toFixed(0)}%`,
        });

      const details = {
        longQueries,
        idleInTransaction,
        connections,
        cache: {
          heapBlocksHit: hit,
          heapBlocksRead: read,
          hitRatio: cacheHitRatio ?? null,
          ...(cacheHitRatio === undefined
            ? { note: `fewer than ${t.cacheHitMinBlocks} blocks since the statistics reset: not judged` }
            : {}),
        },
        sessionsSeen: sessions.length,
        ...(allStats
          ? {}
          : {
              hiddenSessions: hidden.length,
              note: `this role lacks pg_read_all_stats (pg_monitor): other roles' sessions show no state or query, so ${hidden.length} session(s) could not be judged for long queries or idle transactions`,
            }),
      };
      const metrics = {
        connections: connections.used,
        connectionsRatio: ratio,
        longQueries: longQueries.length,
        idleInTransaction: idleInTransaction.length,
        ...(cacheHitRatio !== undefined ? { cacheHitRatio } : {}),
      };
      const caveat = !allStats && hidden.length ? ` (${hidden.length} session(s) of other roles not visible)` : "";
      if (!problems.length) {
        return {
          status: "ok",
          summary: `${connections.used}/${connections.max} connections, no query over ${t.longQueryWarnSeconds} s nor transaction idle over ${t.idleInTransactionSeconds} s${cacheHitRatio !== undefined ? `, cache hit ${(cacheHitRatio * 100).toFixed(2)}%` : ""}${caveat}`,
          details,
          metrics,
        };
      }
      return {
        status: worst(...problems.map((p) => p.status)),
        summary: problems.map((p) => p.text).join("; ") + caveat,
        details,
        metrics,
      };
    }),
};
