// The one place a PostgreSQL client is configured: the URL, who we are (application_name), the
// time limits, and TLS verified against the database's CA when one is configured (Supabase's
// root CA is not in Node's bundle; DATABASE_CA_CERT carries it, public, set by infra/).
import type { ClientConfig } from "pg";
import { ENV } from "./contract";

export function pgConfig(
  url: string,
  options: Omit<ClientConfig, "connectionString" | "ssl"> = {},
  env: NodeJS.ProcessEnv = process.env,
): ClientConfig {
  const ca = env[ENV.databaseCaCert]?.trim();
  // With a CA: verify the server's certificate and name; the URL's own sslmode is then ignored.
  const connectionString = ca ? url.replace(/([?&])sslmode=[^&]*&?/, "$1").replace(/[?&]$/, "") : url;
  return {
    connectionString,
    connectionTimeoutMillis: 10_000,
    ...options,
    ...(ca ? { ssl: { ca, rejectUnauthorized: true } } : {}),
  };
}
