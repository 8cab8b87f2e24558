// Issue 19: restores as the role Supabase gives (`postgres`, not a superuser), which failed at
// `must be member of role "supabase_admin"` (and, with --no-owner, at `permission denied to
// create extension`): the managed schemas and existing extensions are skipped and reported,
// the app's roles keep their grants, and one transaction still commits only after the sha-256.
// @slow: started first (test/support/sequencer.js)
import type { Client } from "pg";
import { runBackup } from "../../lambdas/backup/dump";
import type { Manifest } from "../../lambdas/backup/manifest";
import { restoreBackup, RestoreInputError } from "../../lambdas/backup/restore";
import { parseToc, planRestore, type TargetFacts } from "../../lambdas/backup/restore-plan";
import { connect, createLoginRole, dbUrl, superuserUrl, testbed, useFreshDatabase } from "../support/db";
import { startS3, type TestS3 } from "../support/s3";
import { loadData, NOW, tableDigests } from "./support";

const BUCKET = "backups";
const RESTORER = `restorer_${process.pid}`;
const PASSWORD = "restorer-pw-19";

async function asSuperuser(sql: string): Promise<void> {
  const c = await connect(superuserUrl());
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const c = await connect(url);
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe("restore as a non-superuser, Supabase-shaped (issue 19)", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let admin: Client;
  let manifest: Manifest;
  const targets: string[] = [];
  const tables = () => manifest.tables.map((t) => `${t.schema}.${t.name}`);

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket(BUCKET);
    admin = await db().client("supabase_admin");
    await loadData(admin, 3_000);
    const result = await runBackup({ databaseUrl: db().url, s3: s3.client, bucket: BUCKET, now: () => NOW });
    if (!("manifest" in result)) throw new Error(`backup skipped: ${result.skipped}`);
    manifest = result.manifest;
    await createLoginRole(RESTORER, PASSWORD, "NOSUPERUSER NOCREATEDB NOCREATEROLE");
  });
  afterAll(async () => {
    for (const name of targets) await asSuperuser(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await asSuperuser("REVOKE SET ON PARAMETER session_replication_role FROM postgres");
    await s3?.stop();
  });

  it("restores in full as postgres into a new Supabase project: auth's rows, not its definitions; grants and owners kept", async () => {
    // A new project: Supabase's schemas, extensions and roles, an empty public schema.
    const name = `sb_full_${process.pid}`;
    targets.push(name);
    await asSuperuser(`CREATE DATABASE ${name} TEMPLATE ${testbed().template} OWNER postgres`);
    const url = dbUrl(name, "postgres");
    await query(
      url,
      "DROP TABLE public.rides, public.drivers; DROP TYPE public.ride_status, public.payment_status; DROP FUNCTION public.set_updated_at()",
    );
    // Supabase lets postgres load auth's rows with replication-role triggers off (as its own migration guide does).
    await asSuperuser("GRANT SET ON PARAMETER session_replication_role TO postgres");

    const result = await restoreBackup({ s3: s3.client, bucket: BUCKET, manifest, targetUrl: url });
    expect(result.sha256).toBe(manifest.sha256);
    expect(await tableDigests(url, tables())).toEqual(await tableDigests(db().superuserUrl, tables()));
    const reasons = result.skipped.map((s) => s.reason);
    expect(reasons).toContain("schema auth is managed by Supabase");
    expect(reasons).toContain("extension pgcrypto already exists (1.3)");
    expect(result.skipped.map((s) => s.entry)).toContain("TABLE auth users");
    expect(result.ownedByRestoringRole).toBe(false);
    const [t] = await query<{ owner: string; anon: boolean; auth: boolean; rls: boolean }>(
      url,
      `SELECT pg_get_userbyid(relowner) AS owner, has_table_privilege('anon', oid, 'SELECT') AS anon,
              has_table_privilege('authenticated', oid, 'INSERT') AS auth, relrowsecurity AS rls FROM pg_class WHERE oid = 'public.rides'::regclass`,
    );
    expect(t).toEqual({ owner: "postgres", anon: true, auth: true, rls: true });
    const [auth] = await query<{ owner: string }>(
      url,
      "SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'auth.users'::regclass",
    );
    expect(auth.owner).toBe("supabase_auth_admin");
  });

  it("restores in full, and by --table, as a non-superuser that only owns an empty database", async () => {
    for (const [suffix, only] of [
      ["all", undefined],
      ["one", ["public.drivers"]],
    ] as const) {
      const name = `sb_${suffix}_${process.pid}`;
      targets.push(name);
      await asSuperuser(`CREATE DATABASE ${name} OWNER ${RESTORER}`);
      const url = dbUrl(name, RESTORER, PASSWORD);
      const result = await restoreBackup({
        s3: s3.client,
        bucket: BUCKET,
        manifest,
        targetUrl: url,
        tables: only ? [...only] : undefined,
      });
      const restored = only ? [...only] : tables();
      expect(await tableDigests(url, restored)).toEqual(await tableDigests(db().superuserUrl, restored));
      // It cannot give the objects to postgres: it owns them, and grants them to the app's roles as the backup did.
      expect(result.ownedByRestoringRole).toBe(true);
      const [t] = await query<{ owner: string; anon: boolean; service: boolean }>(
        url,
        `SELECT pg_get_userbyid(relowner) AS owner, has_table_privilege('anon', oid, 'SELECT') AS anon,
                has_table_privilege('service_role', oid, 'DELETE') AS service FROM pg_class WHERE oid = 'public.drivers'::regclass`,
      );
      expect(t).toEqual({ owner: RESTORER, anon: true, service: true });
      if (!only)
        expect(result.skipped.map((s) => s.reason)).toContain(
          `extension pg_stat_statements cannot be created by ${RESTORER} (not trusted, or not installed): enable it first (Supabase: Database > Extensions)`,
        );
    }
  });

  it("refuses a table the backup does not hold, naming the closest, before touching the target", async () => {
    const restore = (table: string) =>
      restoreBackup({
        s3: s3.client,
        bucket: BUCKET,
        manifest,
        targetUrl: "postgres://nobody@127.0.0.1:1/none",
        tables: [table],
      });
    await expect(restore("public.ride")).rejects.toThrow(
      new RestoreInputError(
        `--table: not in backup ${manifest.key}: public.ride (closest: public.rides); nothing was restored`,
      ),
    );
    await expect(restore("public.nope")).rejects.toThrow(
      `--table: not in backup ${manifest.key}: public.nope; nothing was restored`,
    );
  });

  it("without SET session_replication_role, auth's rows are skipped and say what would allow them", () => {
    const toc = [
      "8; 2615 16461 SCHEMA - auth supabase_admin",
      "2; 3079 16424 EXTENSION - pgcrypto ",
      "220; 1259 16473 TABLE auth users supabase_auth_admin",
      "3427; 0 16473 TABLE DATA auth users supabase_auth_admin",
      "226; 1259 16585 TABLE public drivers postgres",
      "3433; 0 16585 TABLE DATA public drivers postgres",
      "3424; 3256 16638 POLICY public drivers Signed-in users can view drivers postgres",
    ].join("\n");
    const facts: TargetFacts = {
      role: "postgres",
      superuser: false,
      memberOf: ["postgres", "anon"],
      schemas: ["public", "auth"],
      extensions: { pgcrypto: "1.3" },
      creatableExtensions: ["pgcrypto"],
      replica: false,
      fillableTables: ["auth.users"],
      settableSequences: [],
    };
    const plan = planRestore(parseToc(toc), facts);
    expect(plan.kept.map((e) => `${e.desc} ${e.namespace} ${e.tag}`)).toEqual([
      "TABLE public drivers",
      "TABLE DATA public drivers",
      "POLICY public drivers Signed-in users can view drivers",
    ]);
    expect(plan.skipped).toEqual([
      { entry: "SCHEMA auth", reason: "schema auth is managed by Supabase" },
      { entry: "EXTENSION pgcrypto", reason: "extension pgcrypto already exists (1.3)" },
      { entry: "TABLE auth users", reason: "schema auth is managed by Supabase" },
      {
        entry: "TABLE DATA auth users",
        reason:
          "auth.users: managed by Supabase; its rows need SET session_replication_role (GRANT SET ON PARAMETER session_replication_role TO postgres)",
      },
    ]);
    expect(plan.list.split("\n").filter(Boolean)).toHaveLength(3);
    expect({ noOwner: plan.noOwner, replica: plan.replica }).toEqual({ noOwner: false, replica: false });
    expect(planRestore(parseToc(toc), { ...facts, replica: true }).replica).toBe(true);
  });

  it("a restore that fails in psql on a right says what to try, and commits nothing", async () => {
    // The project's tables are postgres's: another role with CREATE on public may not drop them (--clean).
    const name = `sb_noright_${process.pid}`;
    targets.push(name);
    await asSuperuser(`CREATE DATABASE ${name} TEMPLATE ${testbed().template}`);
    await query(dbUrl(name, testbed().superuser), `GRANT CREATE ON SCHEMA public TO ${RESTORER}`);
    const url = dbUrl(name, RESTORER, PASSWORD);
    await expect(
      restoreBackup({
        s3: s3.client,
        bucket: BUCKET,
        manifest,
        targetUrl: url,
        tables: ["public.drivers"],
        clean: true,
      }),
    ).rejects.toThrow(
      /ERROR: {2}must be owner of table drivers; nothing was committed\. The connecting role lacks a right the restore needs: restore as the target database's owner \(on Supabase: postgres\) or into a fresh database, add --no-owner/,
    );
    expect(await query(dbUrl(name, testbed().superuser), "SELECT count(*)::int AS n FROM public.drivers")).toEqual([
      { n: 0 },
    ]);
  });

  it("checks the target before downloading: a refused connection, a role that may not create", async () => {
    await expect(
      restoreBackup({ s3: s3.client, bucket: BUCKET, manifest, targetUrl: "postgres://x:secret@127.0.0.1:1/none" }),
    ).rejects.toThrow(
      /^--target postgres:\/\/x:\*\*\*@127\.0\.0\.1:1\/none does not accept the connection: .*; nothing was downloaded$/,
    );
    const name = `sb_nocreate_${process.pid}`;
    targets.push(name);
    await asSuperuser(`CREATE DATABASE ${name}`);
    await expect(
      restoreBackup({ s3: s3.client, bucket: BUCKET, manifest, targetUrl: dbUrl(name, RESTORER, PASSWORD) }),
    ).rejects.toThrow(
      `role ${RESTORER} may not create objects in schema public of database ${name}: restore as the database's owner, or GRANT CREATE ON SCHEMA public TO ${RESTORER}; nothing was downloaded`,
    );
  });
});
