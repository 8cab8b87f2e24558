// Per-test-file databases on the cluster started by global-setup.ts.
//
//   const db = useFreshDatabase();             // beforeAll: create, afterAll: drop
//   test("…", async () => { const c = await db().client(); … });
//
// or by hand: `const db = await freshDatabase(); … await db.drop();`
// Each database is a copy of the fixture template (test/support/fixture/supabase.sql),
// created in ~0.1 s, so test files never see each other's rows.
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { ENV } from "./testbed-env";

export interface TestDatabase {
  name: string;
  /** URL as `postgres`: Supabase's non-superuser owner role, the one the app's connection string (and the Lambdas) use. */
  url: string;
  /** URL as supabase_admin, the superuser. */
  superuserUrl: string;
  /** URL for another login role (fixture roles share the run's password; see createLoginRole). */
  urlAs(role: string, password?: string): string;
  /** A connected client (default role `postgres`); ended by drop(). */
  client(role?: string, password?: string): Promise<Client>;
  /** Ends the clients handed out and drops the database (forcing off other sessions). */
  drop(): Promise<void>;
}

interface Testbed {
  host: string;
  port: number;
  superuser: string;
  password: string;
  template: string;
}

export function testbed(): Testbed {
  const url = process.env[ENV.url];
  const password = process.env[ENV.password];
  const template = process.env[ENV.template];
  if (!url || !password || !template) {
    throw new Error(`${ENV.url} is not set: run through jest, whose globalSetup starts PostgreSQL (jest.config.js)`);
  }
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), superuser: decodeURIComponent(u.username), password, template };
}

export function dbUrl(database: string, role: string, password?: string): string {
  const t = testbed();
  const pw = encodeURIComponent(password ?? t.password);
  return `postgres://${encodeURIComponent(role)}:${pw}@${t.host}:${t.port}/${encodeURIComponent(database)}`;
}

/** Superuser URL of `database` (default: the `postgres` maintenance database). */
export function superuserUrl(database = "postgres"): string {
  return dbUrl(database, testbed().superuser);
}

export async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

async function asSuperuser<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = await connect(superuserUrl());
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Creates (or updates) a cluster-wide login role, e.g. a least-privilege role for a Lambda.
 * `attributes` is raw SQL such as "NOINHERIT BYPASSRLS"; LOGIN and the password are added.
 * Roles outlive databases: use names unique to the test file.
 */
export async function createLoginRole(name: string, password: string, attributes = ""): Promise<void> {
  await asSuperuser(async (c) => {
    const exists = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
    const verb = exists.rowCount ? "ALTER" : "CREATE";
    await c.query(
      `${verb} ROLE ${c.escapeIdentifier(name)} WITH LOGIN ${attributes} PASSWORD ${c.escapeLiteral(password)}`,
    );
  });
}

export async function freshDatabase(): Promise<TestDatabase> {
  const { template, superuser } = testbed();
  const name = `test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await asSuperuser((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const clients: Client[] = [];
  return {
    name,
    url: dbUrl(name, "postgres"),
    superuserUrl: dbUrl(name, superuser),
    urlAs: (role, password) => dbUrl(name, role, password),
    async client(role = "postgres", password) {
      const c = await connect(dbUrl(name, role, password));
      clients.push(c);
      return c;
    },
    async drop() {
      await Promise.allSettled(clients.splice(0).map((c) => c.end()));
      await asSuperuser((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Registers beforeAll/afterAll creating and dropping a fresh database; call the getter inside tests. */
export function useFreshDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  return () => {
    if (!db) throw new Error("useFreshDatabase(): the database exists only inside tests and hooks");
    return db;
  };
}
