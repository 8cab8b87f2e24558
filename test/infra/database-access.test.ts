// The maintenance role as code, under Pulumi mocks: created through the admin URL, only the
// grants the checks and tasks need, its URL (not the admin's) in Secrets Manager.
import { find, ofType, planStack, Plan } from "../support/pulumi";

const CA = "-----BEGIN CERTIFICATE-----\nMIIDxTCCAq2gAwIBAgIBADANBgkqhkiG9w0BAQsFADB\n-----END CERTIFICATE-----";
let plan: Plan;
beforeAll(async () => {
  plan = await planStack();
});

describe("database access", () => {
  it("connects the provider with the admin URL over TLS, without claiming superuser", () => {
    const provider = find(plan, "pulumi:providers:postgresql", "elegance-mobilite-postgresql").inputs;
    expect(provider).toMatchObject({ sslmode: "require", superuser: "false", host: "[secret]", password: "[secret]" });
  });

  it("creates a LOGIN role that is nothing more, with a generated password", () => {
    expect(find(plan, "postgresql:index/role:Role", "elegance-mobilite-maintenance-role").inputs).toEqual({
      name: "elegance_ops_maintenance",
      login: true,
      password: "[secret]",
      connectionLimit: 5,
      superuser: false,
      createDatabase: false,
      createRole: false,
    });
    expect(
      find(plan, "random:index/randomPassword:RandomPassword", "elegance-mobilite-maintenance-password").inputs,
    ).toEqual({ length: 40, special: false });
  });

  it("grants exactly what the tasks and checks need", () => {
    const grants = ofType(plan, "postgresql:index/grant:Grant")
      .map(
        (g) =>
          `${g.inputs.schema}.${(g.inputs.objects ?? ["*"]).join(",")} ${g.inputs.objectType}: ${g.inputs.privileges.join(",")}`,
      )
      .sort();
    expect(grants).toEqual([
      "auth.* schema: USAGE",
      "auth.refresh_tokens,mfa_amr_claims table: SELECT",
      "auth.sessions table: SELECT,DELETE",
      "public.* schema: USAGE,CREATE",
      "public.rides table: SELECT,DELETE",
    ]);
    expect(ofType(plan, "postgresql:index/grantRole:GrantRole").map((g) => g.inputs.grantRole)).toEqual(["pg_monitor"]);
    expect(
      find(plan, "postgresql:index/extension:Extension", "elegance-mobilite-pg-stat-statements").inputs,
    ).toMatchObject({ name: "pg_stat_statements", schema: "extensions" });
  });

  it("PostgreSQL 17 adds pg_maintain; a CA switches TLS to verify-full and reaches the functions", async () => {
    const edited = await planStack((raw) => {
      const db = JSON.parse(raw["elegance-ops:database"]);
      raw["elegance-ops:database"] = JSON.stringify({ ...db, postgresMajor: 17, caCert: CA });
    });
    expect(
      ofType(edited, "postgresql:index/grantRole:GrantRole")
        .map((g) => g.inputs.grantRole)
        .sort(),
    ).toEqual(["pg_maintain", "pg_monitor"]);
    const provider = find(edited, "pulumi:providers:postgresql", "elegance-mobilite-postgresql").inputs;
    expect(provider.sslmode).toBe("verify-full");
    expect(provider.sslrootcert).toMatch(/^\.build\/database-ca-[0-9a-f]{12}\.pem$/);
    const daily = find(edited, "aws:lambda/function:Function", "elegance-mobilite-daily-checklist").inputs.environment
      .variables;
    expect(daily.DATABASE_CA_CERT).toBe(CA);
  });

  it("grants DELETE on exactly the tables of the weekly temporary-data purge", async () => {
    const edited = await planStack((raw) => {
      const db = JSON.parse(raw["elegance-ops:database"]);
      raw["elegance-ops:database"] = JSON.stringify({
        ...db,
        tasks: { ...db.tasks, temporaryData: [{ table: "public.ride_quotes", column: "created_at", maxAgeDays: 7 }] },
      });
    });
    expect(
      find(edited, "postgresql:index/grant:Grant", "elegance_ops_maintenance-temporary-public-ride_quotes").inputs,
    ).toMatchObject({
      schema: "public",
      objectType: "table",
      objects: ["ride_quotes"],
      privileges: ["SELECT", "DELETE"],
    });
  });

  it("stores the maintenance role's URL, a secret, in Secrets Manager for the functions", () => {
    // Under the databaseUrl key of the check-lists' secret.
    expect(find(plan, "aws:secretsmanager/secret:Secret", "elegance-mobilite-runtime").inputs.description).toContain(
      "databaseUrl",
    );
    expect(
      find(plan, "aws:secretsmanager/secretVersion:SecretVersion", "elegance-mobilite-runtime-value").inputs
        .secretString,
    ).toBe("[secret]");
  });
});
