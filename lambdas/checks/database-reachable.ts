// Daily "psql -d elegance_mobilite": the database answers, with its version, size and how full
// its connection slots are (counted as the activity check counts them). When it does not, this
// is the one check that fails, with the reason (auth, DNS, refused, timeout, TLS): the engine
// skips the run's other database checks. The URL is never printed with its password.
import type { Check } from "../core/check";
import { countConnections, judgeConnections } from "./db/connections";
import { DatabaseUnreachableError, withDatabase } from "./db/connect";

export const databaseReachable: Check = {
  id: "database-reachable",
  title: "Base de données joignable, version et taille",
  async run(ctx) {
    const { inputs } = ctx;
    try {
      return await withDatabase(ctx, async (client) => {
        const { rows } = await client.query<{ version: string; size: string; database: string }>(
          `select current_setting('server_version') as version, pg_database_size(current_database())::text as size, current_database() as database`,
        );
        const row = rows[0];
        const connections = await countConnections(client);
        const sizeBytes = Number(row.size);
        const { used, max } = connections;
        const details = {
          database: row.database,
          serverVersion: row.version,
          sizeBytes,
          connections: used,
          maxConnections: max,
        };
        const metrics = { databaseSizeBytes: sizeBytes, connections: used, connectionsRatio: connections.ratio };
        const summary = `${row.database} answers: PostgreSQL ${row.version}, ${(sizeBytes / 1024 ** 2).toFixed(1)} MB, ${used}/${max} connections`;
        const judged = judgeConnections(connections, inputs.database);
        if (judged.status !== "ok") {
          const over = judged.status === "fail" ? inputs.database.connectionsFail : inputs.database.connectionsWarn;
          return {
            status: judged.status,
            summary: `${summary} (≥ ${over * 100}% of max_connections)`,
            details,
            metrics,
          };
        }
        return { status: "ok" as const, summary, details, metrics };
      });
    } catch (error) {
      if (error instanceof DatabaseUnreachableError)
        return { status: "fail", summary: error.message, details: { reason: error.reason } };
      throw error;
    }
  },
};
