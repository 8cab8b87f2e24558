// PostgreSQL's side of the access review: every role that can log in, its attributes, its
// membership in the privileged predefined roles, its password's expiry, and whether it is
// connected now (PostgreSQL keeps no last login: each review's sample goes in its record).
import type { Client } from "pg";
import type { Account, AccessRole } from "./accounts";

/** Supabase's own roles (its services log in with them): listed as such, never findings. */
export const SUPABASE_SERVICE_ROLES = new Set([
  "supabase_admin",
  "supabase_auth_admin",
  "supabase_storage_admin",
  "supabase_functions_admin",
  "supabase_realtime_admin",
  "supabase_replication_admin",
  "supabase_read_only_user",
  "authenticator",
  "pgbouncer",
  "dashboard_user",
  "pgsodium_keymaker",
  "supabase_etl_admin",
]);

const PRIVILEGED = [
  "pg_read_all_data",
  "pg_write_all_data",
  "pg_execute_server_program",
  "pg_read_server_files",
  "pg_write_server_files",
  "supabase_admin",
  "postgres",
];

interface RoleRow {
  rolname: string;
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolbypassrls: boolean;
  rolreplication: boolean;
  rolvaliduntil: Date | null;
  member_of: string[];
  connections: number;
}

export async function postgresAccounts(client: Client, now: Date): Promise<Account[]> {
  const { rows } = await client.query<RoleRow>(
    `SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication, r.rolvaliduntil,
            COALESCE(ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                           WHERE m.member = r.oid AND g.rolname = ANY($1) ORDER BY 1), '{}') AS member_of,
            (SELECT count(*)::int FROM pg_stat_activity a WHERE a.usename = r.rolname) AS connections
       FROM pg_roles r
      WHERE r.rolcanlogin
      ORDER BY r.rolname`,
    [PRIVILEGED],
  );
  return rows.map((r) => {
    const grants = [
      ...(r.rolsuper ? ["SUPERUSER"] : []),
      ...(r.rolcreaterole ? ["CREATEROLE"] : []),
      ...(r.rolbypassrls ? ["BYPASSRLS"] : []),
      ...(r.rolreplication ? ["REPLICATION"] : []),
      ...r.member_of.map((g) => `member of ${g}`),
    ];
    const writes = r.member_of.some((g) => g !== "pg_read_all_data");
    const privilege: AccessRole = r.rolsuper
      ? "owner"
      : r.rolcreaterole || r.rolbypassrls || r.rolreplication || writes
        ? "admin"
        : "developer";
    const stale: string[] = [];
    if (r.rolvaliduntil && r.rolvaliduntil.getTime() < now.getTime())
      stale.push(`password expired on ${r.rolvaliduntil.toISOString().slice(0, 10)}`);
    return {
      system: "postgres" as const,
      name: r.rolname,
      aliases: [],
      privilege,
      grants,
      ...(SUPABASE_SERVICE_ROLES.has(r.rolname) ? { service: true } : {}),
      stale,
      info: { passwordValidUntil: r.rolvaliduntil?.toISOString() ?? null, connectedNow: r.connections },
    };
  });
}
