// Names shared by global-setup.ts (which sets them) and db.ts (which reads them).
export const ENV = {
  /** Superuser (supabase_admin) URL of the `postgres` maintenance database. */
  url: "TESTBED_PG_URL",
  /** Password of every login role of the fixture (supabase_admin, postgres, supabase_auth_admin, authenticator). */
  password: "TESTBED_PG_PASSWORD",
  /** Name of the template database holding the fixture. */
  template: "TESTBED_PG_TEMPLATE",
} as const;

export const TEMPLATE_DB = "testbed_template";
export const FIXTURE_LOGIN_ROLES = ["postgres", "supabase_auth_admin", "authenticator"] as const;
