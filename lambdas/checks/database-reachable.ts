// Daily "psql -d elegance_mobilite": the database answers, with its version, size and how full
// its connection slots are (counted as the activity check counts them). The URL is never
// printed with its password.
import { Client } from "pg";
import { pgConfig } from "../core/pg";
import type { Check } from "../core/check";
import { maskUrl } from "../core/url";
import { countConnections, judgeConnections } from "./db/connections";

export const databaseReachable: Check = {
  id: "database-reachable",
  title: "Base de données joignable, version et taille",
  async run({ inputs, signal }) {
    if (!inputs.databaseUrl) throw new Error("no database URL (--database-url / DATABASE_URL)");
    const url = await inputs.databaseUrl();
    const client = new Client(pgConfig(url, { statement_timeout: 10_000, application_name: "elegance-ops" }));
    const abort = () => void client.end().catch(() => undefined);
    signal.addEventListener("abort", abort, { once: true });
    try {
      await client.connect();
    } catch (error) {
      // pg's messages name the host and user, never the password; the URL is masked anyway.
      return { status: "fail", summary: `cannot connect to ${maskUrl(url)}: ${(error as Error).message}` };
    }
    try {
      const { rows } = await client.query<{ version: string; size: string; database: string }>(
        `select current_setting('server_version') as version, pg_database_size(current_database())::text as size, current_database() as database`,
      );
      const row = rows[0];
      const connections = await countConnections(client);
      const sizeBytes = Number(row.size);
      const { used, max } = connections;
      const details = { database: row.database, serverVersion: row.version, sizeBytes, connections: used, maxConnections: max };
      const metrics = { databaseSizeBytes: sizeBytes, connections: used, connectionsRatio: connections.ratio };
      const summary = `${row.database} answers: PostgreSQL ${row.version}, ${(sizeBytes / 1024 ** 2).toFixed(1)} MB, ${used}/${max} connections`;
      const judged = judgeConnections(connections, inputs.database);
      if (judged.status !== "ok") {
        const over = judged.status === "fail" ? inputs.database.connectionsFail : inputs.database.connectionsWarn;
        return { status: judged.status, summary: `${summary} (≥ ${over * 100}% of max_connections)`, details, metrics };
      }
      return { status: "ok", summary, details, metrics };
    } finally {
      signal.removeEventListener("abort", abort);
      await client.end().catch(() => undefined);
    }
  },
};
