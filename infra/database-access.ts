// "psql -d elegance_mobilite" as code: the maintenance role the Lambdas and the CLI's tasks
// connect as, with only what the checks and tasks need, created through the admin URL from
// the stack config (Supabase's `postgres`, not a superuser). Its URL, not the admin one, is what
// Secrets Manager holds for the functions.
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";

export interface DatabaseAccessArgs {
  /** The admin connection string (a Pulumi secret), e.g. Supabase's `postgres` direct URL. */
  adminUrl: pulumi.Input<string>;
  /** The role to create. @example "elegance_ops_maintenance" */
  roleName: string;
  /** PostgreSQL major: 17 has `pg_maintain` for VACUUM/REINDEX without ownership; 15 does not. */
  postgresMajor: 15 | 17;
  /** Tables the weekly purge deletes from. @example [{ table: "public.ride_quotes", ... }] */
  temporaryTables?: string[];
  /** Tables whose rows move with their ride into `<table>_archive` (database.tasks.archive.withDependents). */
  archiveDependents?: string[];
  /** The server's CA (PEM): TLS verified (`verify-full`) instead of just required. */
  caCert?: string;
}

/** Where the provider reads the CA: a file under .build/, named by its content (stable path, no diff). */
function caFile(pem: string): string {
  const relative = path.join(
    ".build",
    `database-ca-${createHash("sha256").update(pem).digest("hex").slice(0, 12)}.pem`,
  );
  mkdirSync(path.dirname(relative), { recursive: true });
  writeFileSync(relative, `${pem.trim()}\n`);
  return relative;
}

function parseUrl(text: string) {
  const u = new URL(text);
  return {
    href: u.toString(),
    host: u.hostname,
    port: Number(u.port || 5432),
    database: decodeURIComponent(u.pathname.slice(1)) || "postgres",
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

export class DatabaseAccess extends pulumi.ComponentResource {
  readonly provider: postgresql.Provider;
  readonly password: random.RandomPassword;
  readonly role: postgresql.Role;
  /** The maintenance role's connection string (secret): what the Lambdas read at run time. */
  readonly maintenanceUrl: pulumi.Output<string>;

  constructor(name: string, args: DatabaseAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:database:DatabaseAccess", name, {}, opts);
    // Plain fields, not a URL object: Pulumi lifts the values of Outputs into plain data.
    const admin = pulumi.secret(pulumi.output(args.adminUrl).apply(parseUrl));
    const database = admin.apply((u) => u.database);
    this.provider = new postgresql.Provider(
      `${name}-postgresql`,
      {
        host: admin.apply((u) => u.host),
        port: admin.apply((u) => u.port),
        database,
        username: admin.apply((u) => u.username),
        password: pulumi.secret(admin.apply((u) => u.password)),
        sslmode: args.caCert ? "verify-full" : "require",
        ...(args.caCert ? { sslrootcert: caFile(args.caCert) } : {}),
        // Supabase's postgres is not a superuser: the provider must not rely on it.
        superuser: false,
      },
      { parent: this },
    );
    const opts_ = { parent: this, provider: this.provider };
    this.password = new random.RandomPassword(
      `${name}-maintenance-password`,
      { length: 40, special: false },
      { parent: this },
    );
    this.role = new postgresql.Role(
      `${name}-maintenance-role`,
      {
        name: args.roleName,
        login: true,
        password: this.password.result,
        connectionLimit: 5,
        superuser: false,
        createDatabase: false,
        createRole: false,
      },
      opts_,
    );
    this.grant(database, args, opts_);
    new postgresql.Extension(
      `${name}-pg-stat-statements`,
      { name: "pg_stat_statements", schema: "extensions", database },
      opts_,
    );
    this.maintenanceUrl = pulumi.secret(
      pulumi.all([admin, this.password.result]).apply(([u, password]) => {
        const url = new URL(u.href);
        url.username = args.roleName;
        url.password = password;
        url.searchParams.set("sslmode", args.caCert ? "verify-full" : "require");
        return url.toString();
      }),
    );
    this.registerOutputs({ role: this.role.name });
  }

  private grant(database: pulumi.Output<string>, args: DatabaseAccessArgs, opts: pulumi.CustomResourceOptions): void {
    const role = this.role.name;
    const name = (suffix: string) => `${args.roleName}-${suffix}`;
    // Statistics of every session and table (pg_stat_activity's query texts, pg_stat_statements).
    new postgresql.GrantRole(name("pg-monitor"), { role, grantRole: "pg_monitor" }, opts);
    // PostgreSQL 17: VACUUM, ANALYZE and REINDEX of any table without owning it.
    if (args.postgresMajor >= 17)
      new postgresql.GrantRole(name("pg-maintain"), { role, grantRole: "pg_maintain" }, opts);
    const tables = (suffix: string, schema: string, objects: string[], privileges: string[]) =>
      new postgresql.Grant(name(suffix), { database, role, schema, objectType: "table", objects, privileges }, opts);
    new postgresql.Grant(
      name("auth-usage"),
      { database, role, schema: "auth", objectType: "schema", privileges: ["USAGE"] },
      opts,
    );
    // Expired sessions: delete them, and count what their deletion cascades to.
    tables("auth-sessions", "auth", ["sessions"], ["SELECT", "DELETE"]);
    tables("auth-session-children", "auth", ["refresh_tokens", "mfa_amr_claims"], ["SELECT"]);
    // The archive: rides move out; rides_archive is created by the task (so owned by this role) when
    // missing. rides has row-level security: the policy letting this role see every ride is made
    // by hand (README), since granting BYPASSRLS takes a superuser on PostgreSQL 15.
    new postgresql.Grant(
      name("public-usage"),
      { database, role, schema: "public", objectType: "schema", privileges: ["USAGE", "CREATE"] },
      opts,
    );
    tables("public-rides", "public", ["rides"], ["SELECT", "DELETE"]);
    // Dependents that move with their ride: read and deleted; their archives are the role's own.
    // Other tables that reference rides only need SELECT (a referenced ride stays), granted by
    // their owner: the task names any it cannot read.
    for (const qualified of [...new Set(args.archiveDependents ?? [])]) {
      const [schema, table] = qualified.split(".");
      tables(`archive-dependent-${schema}-${table}`, schema, [table], ["SELECT", "DELETE"]);
    }
    // The weekly purge of temporary data: exactly the configured tables.
    for (const qualified of [...new Set(args.temporaryTables ?? [])]) {
      const [schema, table] = qualified.split(".");
      tables(`temporary-${schema}-${table}`, schema, [table], ["SELECT", "DELETE"]);
    }
  }
}
