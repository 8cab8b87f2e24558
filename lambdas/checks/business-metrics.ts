// "Custom Dashboard : Métriques métier": the figures the business looks at, read once a day
// from the database (read-only session, statement_timeout, each query bounded to the previous
// UTC day through an index on the date column) and emitted as EMF metrics, dimension App.
// A table or column that is not there is a warn naming the config key to set, not a crash.
import type { Client } from "pg";
import type { Check, CheckContext } from "../core/check";
import { BUSINESS_METRIC, DIMENSION } from "../core/contract";
import { withDatabase } from "./db/connect";

/** The names read, and their defaults: the fixture's (Supabase's auth, the app's public schema). */
export const BUSINESS_DEFAULTS: Record<string, string> = {
  ridesTable: "public.rides",
  rideCreatedAt: "created_at",
  rideStatus: "status",
  completedStatus: "completed",
  cancelledStatus: "cancelled",
  ridePriceCents: "price_cents",
  driversTable: "public.drivers",
  driverActive: "is_active",
  usersTable: "auth.users",
  userCreatedAt: "created_at",
  sessionsTable: "auth.sessions",
};

const ident = (name: string) =>
  name
    .split(".")
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join(".");

/** The config keys naming a column or table that does not exist, with what was looked for. */
async function missing(client: Client, n: Record<string, string>): Promise<string[]> {
  const columns: [string, string, string][] = [
    ["rideCreatedAt", n.ridesTable, n.rideCreatedAt],
    ["rideStatus", n.ridesTable, n.rideStatus],
    ["ridePriceCents", n.ridesTable, n.ridePriceCents],
    ["driverActive", n.driversTable, n.driverActive],
    ["userCreatedAt", n.usersTable, n.userCreatedAt],
  ];
  const { rows } = await client.query<{ key: string }>(
    `SELECT k.key FROM unnest($1::text[], $2::text[], $3::text[]) AS k(key, tbl, col)
      WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass(k.tbl) AND a.attname = k.col AND NOT a.attisdropped)`,
    [columns.map((c) => c[0]), columns.map((c) => c[1]), columns.map((c) => c[2])],
  );
  return rows.map((r) => r.key);
}

export const businessMetricsCheck: Check = {
  id: "business-metrics",
  title: "Métriques métier de la veille",
  async run(ctx: CheckContext) {
    const n = { ...BUSINESS_DEFAULTS, ...ctx.inputs.businessMetrics };
    const end = new Date(Date.UTC(ctx.now.getUTCFullYear(), ctx.now.getUTCMonth(), ctx.now.getUTCDate()));
    const start = new Date(end.getTime() - 86_400_000);
    return withDatabase(ctx, async (client) => {
      const absent = await missing(client, n);
      const has = (key: string) => !absent.includes(key);
      const figures: Record<string, number> = {};
      const denied: string[] = [];
      // A figure the role may not read (permission denied) is left out and named, the others still count.
      const one = async (sql: string, params: unknown[] = []): Promise<number> => {
        try {
          return Number((await client.query<{ v: string | null }>(sql, params)).rows[0]?.v ?? 0);
        } catch (error) {
          if ((error as { code?: string }).code !== "42501") throw error;
          denied.push((error as Error).message);
          return Number.NaN;
        }
      };
      const rides = ident(n.ridesTable);
      if (has("rideCreatedAt")) {
        const day = `${ident(n.rideCreatedAt)} >= $1 AND ${ident(n.rideCreatedAt)} < $2`;
        figures[BUSINESS_METRIC.ridesCreated] = await one(`SELECT count(*) AS v FROM ${rides} WHERE ${day}`, [
          start,
          end,
        ]);
        if (has("rideStatus")) {
          const status = `${ident(n.rideStatus)}::text = $3`;
          figures[BUSINESS_METRIC.ridesCompleted] = await one(
            `SELECT count(*) AS v FROM ${rides} WHERE ${day} AND ${status}`,
            [start, end, n.completedStatus],
          );
          figures[BUSINESS_METRIC.ridesCancelled] = await one(
            `SELECT count(*) AS v FROM ${rides} WHERE ${day} AND ${status}`,
            [start, end, n.cancelledStatus],
          );
          if (has("ridePriceCents")) {
            figures[BUSINESS_METRIC.revenueCents] = await one(
              `SELECT coalesce(sum(${ident(n.ridePriceCents)}), 0) AS v FROM ${rides} WHERE ${day} AND ${status}`,
              [start, end, n.completedStatus],
            );
          }
        }
      }
      if (has("driverActive"))
        figures[BUSINESS_METRIC.activeDrivers] = await one(
          `SELECT count(*) AS v FROM ${ident(n.driversTable)} WHERE ${ident(n.driverActive)}`,
        );
      if (has("userCreatedAt")) {
        figures[BUSINESS_METRIC.signUps] = await one(
          `SELECT count(*) AS v FROM ${ident(n.usersTable)} WHERE ${ident(n.userCreatedAt)} >= $1 AND ${ident(n.userCreatedAt)} < $2`,
          [start, end],
        );
      }
      if ((await one(`SELECT (to_regclass($1) IS NOT NULL)::int AS v`, [n.sessionsTable])) === 1) {
        figures[BUSINESS_METRIC.liveSessions] = await one(
          `SELECT count(*) AS v FROM ${ident(n.sessionsTable)} WHERE not_after IS NULL OR not_after > now()`,
        );
      }
      figures[BUSINESS_METRIC.databaseBytes] = await one(`SELECT pg_database_size(current_database()) AS v`);
      for (const [k, v] of Object.entries(figures)) if (Number.isNaN(v)) delete figures[k];
      ctx.metrics.emit(
        { [DIMENSION.app]: ctx.inputs.appName },
        Object.fromEntries(
          Object.entries(figures).map(([k, v]) => [
            k,
            { value: v, unit: k === BUSINESS_METRIC.databaseBytes ? "Bytes" : "Count" },
          ]),
        ),
      );
      const day = start.toISOString().slice(0, 10);
      const summary = `${day} : ${figures[BUSINESS_METRIC.ridesCreated] ?? "?"} courses, ${figures[BUSINESS_METRIC.signUps] ?? "?"} inscriptions`;
      if (absent.length || denied.length) {
        const keys = absent.map(
          (k) =>
            `businessMetrics.${k} (${k.startsWith("ride") ? n.ridesTable : k.startsWith("driver") ? n.driversTable : n.usersTable}.${n[k]} introuvable)`,
        );
        const why = [
          ...(keys.length ? [`à configurer : ${keys.join(", ")}`] : []),
          ...denied.map((d) => `droit manquant au rôle de maintenance : ${d}`),
        ];
        return {
          status: "warn",
          summary: `${summary} ; ${why.join(" ; ")}`,
          details: { missing: absent, denied, figures },
          metrics: figures,
        };
      }
      return { status: "ok", summary, details: { figures }, metrics: figures };
    });
  },
};
