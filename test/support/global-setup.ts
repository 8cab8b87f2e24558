// jest globalSetup: one PostgreSQL cluster for the whole run, with the Supabase-shaped
// fixture loaded into a template database that test files copy (see db.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { buildCli, REPO_ROOT } from "../../bin/build-cli";
import { PREBUILT_BUNDLES_ENV, prebuildBundles } from "../../infra/bundle";
import { pgUrl, startPgServer, stopPgServer, type PgServer } from "./pg-server";
import { ENV, FIXTURE_LOGIN_ROLES, TEMPLATE_DB } from "./testbed-env";

export default async function globalSetup(): Promise<void> {
  // The CLI tests run the built operator CLI: build it from the current sources first.
  // Built while PostgreSQL starts; awaited below (the catch only keeps a failed start from leaving it unhandled).
  // The handlers' bundles too: each infra test file plans the program, which bundles every handler.
  const bundles = path.join(REPO_ROOT, ".build", "bundles");
  const built = Promise.all([buildCli(), prebuildBundles(bundles)]);
  built.catch(() => undefined);
  const server = await startPgServer();
  // globalTeardown runs in this same process; it is not called if setup throws.
  (globalThis as { __TESTBED_PG__?: PgServer }).__TESTBED_PG__ = server;
  try {
    await Promise.all([loadTemplate(server), built]);
  } catch (e) {
    await stopPgServer(server);
    throw e;
  }
  process.env[ENV.url] = pgUrl(server, server.superuser, server.password, "postgres");
  process.env[ENV.password] = server.password;
  process.env[ENV.template] = TEMPLATE_DB;
  process.env[PREBUILT_BUNDLES_ENV] = bundles;
  // The SDK warns once per process that it will drop Node 20 in 2027; noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}

async function loadTemplate(server: PgServer): Promise<void> {
  const admin = new Client({ connectionString: pgUrl(server, server.superuser, server.password, "postgres") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    const tpl = new Client({ connectionString: pgUrl(server, server.superuser, server.password, TEMPLATE_DB) });
    await tpl.connect();
    try {
      await tpl.query(fs.readFileSync(path.join(__dirname, "fixture", "supabase.sql"), "utf8"));
      // Every login role the fixture creates gets the run's password, so tests can connect as it.
      for (const role of FIXTURE_LOGIN_ROLES) {
        await tpl.query(`ALTER ROLE ${role} PASSWORD ${tpl.escapeLiteral(server.password)}`);
      }
      await tpl.query("VACUUM (FREEZE, ANALYZE)");
    } finally {
      await tpl.end();
    }
    // Nobody may connect to the template: a connection would make CREATE DATABASE ... TEMPLATE fail.
    await admin.query(`ALTER DATABASE ${TEMPLATE_DB} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  } finally {
    await admin.end();
  }
}
