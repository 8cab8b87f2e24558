// TLS to the database: verified against the configured CA when there is one.
import { pgConfig } from "../../lambdas/core/pg";

describe("pgConfig", () => {
  it("passes the URL through without a CA", () => {
    expect(pgConfig("postgresql://u:p@h:5432/d?sslmode=require", { application_name: "x" }, {})).toEqual({
      connectionString: "postgresql://u:p@h:5432/d?sslmode=require",
      connectionTimeoutMillis: 10_000,
      application_name: "x",
    });
  });

  it("with DATABASE_CA_CERT, verifies the server against it (the URL's sslmode no longer decides)", () => {
    const config = pgConfig(
      "postgresql://u:p@h:5432/d?sslmode=require&application_name=y",
      {},
      { DATABASE_CA_CERT: "PEM" },
    );
    expect(config.connectionString).toBe("postgresql://u:p@h:5432/d?application_name=y");
    expect(config.ssl).toEqual({ ca: "PEM", rejectUnauthorized: true });
  });
});
