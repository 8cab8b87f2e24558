// One definition of "connections", shared by database-reachable and activity: client sessions
// of the whole server (max_connections is the server's, not one database's), background
// processes (autovacuum, walwriter, …) excluded since they do not take a connection slot.
import type { Client } from "pg";
import type { DatabaseThresholds } from "../../core/database-thresholds";
import { grade } from "./connect";

/**
 * A client session: backend_type says so, except for sessions hidden from this role, where it
 * is NULL too; those connected to a database by a role are counted (background workers run by
 * a role, rare here, would be counted with them). `a` is pg_stat_activity.
 */
export const CLIENT_SESSION_SQL = `(a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.query = '<insufficient privilege>' AND a.usesysid IS NOT NULL AND a.datid IS NOT NULL))`;

export interface Connections {
  /** Client sessions on the server, this one included. */
  used: number;
  max: number;
  superuserReserved: number;
  ratio: number;
}

export async function countConnections(client: Client): Promise<Connections> {
  const {
    rows: [c],
  } = await client.query<{ used: number; max: number; reserved: number }>(
    `SELECT (SELECT count(*)::int FROM pg_stat_activity a WHERE ${CLIENT_SESSION_SQL}) AS used,
            current_setting('max_connections')::int AS max,
            current_setting('superuser_reserved_connections')::int AS reserved`,
  );
  return { used: c.used, max: c.max, superuserReserved: c.reserved, ratio: Number((c.used / c.max).toFixed(3)) };
}

/** ok, warn or fail against connectionsWarn/connectionsFail, and the words for a summary. */
export function judgeConnections(c: Connections, t: Pick<DatabaseThresholds, "connectionsWarn" | "connectionsFail">) {
  return {
    status: grade(c.used / c.max, t.connectionsWarn, t.connectionsFail),
    text: `${c.used}/${c.max} connections (${((c.used / c.max) * 100).toFixed(0)}%)`,
  };
}
