// Backup to the S3 server and restore into fresh databases, on the real PostgreSQL: every table
// comes back identical (row counts and a digest over all columns), in full and by --table.
import type { Client } from "pg";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { runBackup } from "../../lambdas/backup/dump";
import { findBackup, listBackups, type Manifest } from "../../lambdas/backup/manifest";
import { isSameDatabase, restoreBackup } from "../../lambdas/backup/restore";
import { connectTarget, sameServerDatabase, serverIdentity } from "../../lambdas/backup/restore-target";
import { connect, useFreshDatabase } from "../support/db";
import { startS3, type TestS3 } from "../support/s3";
import { emptyDatabase, loadData, NOW, tableDigests } from "./support";

const BUCKET = "backups";

describe("backup and restore round trip", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let admin: Client;
  let manifest: Manifest;

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket(BUCKET);
    admin = await db().client("supabase_admin");
    await loadData(admin);
    const result = await runBackup({ databaseUrl: db().url, s3: s3.client, bucket: BUCKET, now: () => NOW });
    if (!("manifest" in result)) throw new Error(`backup skipped: ${result.skipped}`);
    manifest = result.manifest;
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it("writes the dump, the roles and a manifest whose counts are the database's", async () => {
    expect(manifest.key).toMatch(new RegExp(`^daily/2026/11/20/${db().name}-20261120T060000Z\\.dump\\.gz$`));
    expect(manifest.tier).toBe("daily");
    const keys = (await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET })))
      .Contents!.map((o) => o.Key)
      .sort();
    expect(keys).toEqual([manifest.key, manifest.rolesKey, `${manifest.key}.manifest.json`].sort());
    const counts = Object.fromEntries(manifest.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
    expect(counts["public.rides"]).toBe(20_000);
    expect(counts["auth.users"]).toBe(2_000);
    expect(counts["auth.sessions"]).toBe(3_000);
    expect(manifest.rlsTables).toEqual(expect.arrayContaining(["public.rides", "public.drivers"]));
    expect(manifest.policies).toContain("public.rides: Riders can view their own rides");
    expect(manifest.extensions.map((e) => e.name)).toEqual(expect.arrayContaining(["pgcrypto", "pg_stat_statements"]));
    const roles = await (
      await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: manifest.rolesKey }))
    ).Body!.transformToString();
    expect(roles).toContain("CREATE ROLE authenticated");
    expect(roles).not.toMatch(/PASSWORD '/);
    expect(await listBackups(s3.client, BUCKET)).toEqual([manifest]);
    expect(await findBackup(s3.client, BUCKET, "latest")).toEqual(manifest);
  });

  it("a full restore gives back every table identical", async () => {
    const target = await emptyDatabase(`restore_full_${process.pid}`);
    try {
      const result = await restoreBackup({ s3: s3.client, bucket: BUCKET, manifest, targetUrl: target.url });
      expect(result.sha256).toBe(manifest.sha256);
      const tables = manifest.tables.map((t) => `${t.schema}.${t.name}`);
      expect(await tableDigests(target.url, tables)).toEqual(await tableDigests(db().superuserUrl, tables));
    } finally {
      await target.drop();
    }
  });

  it("the object is gzip around an uncompressed custom archive; a manifest without compression restores as pg_dump wrote it", async () => {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: manifest.key }));
    const archive = gunzipSync(Buffer.from(await object.Body!.transformToByteArray()));
    expect(archive.subarray(0, 5).toString()).toBe("PGDMP");
    // A backup taken before compression moved out of pg_dump: the archive as is, no `compression`.
    const legacy: Manifest = {
      ...manifest,
      key: manifest.key.replace(/\.gz$/, ""),
      sizeBytes: archive.length,
      sha256: createHash("sha256").update(archive).digest("hex"),
    };
    delete legacy.compression;
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: legacy.key, Body: archive }));
    const target = await emptyDatabase(`restore_legacy_${process.pid}`);
    try {
      await restoreBackup({ s3: s3.client, bucket: BUCKET, manifest: legacy, targetUrl: target.url });
      const tables = manifest.tables.map((t) => `${t.schema}.${t.name}`);
      expect(await tableDigests(target.url, tables)).toEqual(await tableDigests(db().superuserUrl, tables));
    } finally {
      await target.drop();
      await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: legacy.key }));
    }
  });

  it("a --table restore brings back that table only, identical", async () => {
    const target = await emptyDatabase(`restore_table_${process.pid}`);
    try {
      await restoreBackup({
        s3: s3.client,
        bucket: BUCKET,
        manifest,
        targetUrl: target.url,
        tables: ["public.drivers"],
        noOwner: true,
      });
      expect(await tableDigests(target.url, ["public.drivers"])).toEqual(
        await tableDigests(db().superuserUrl, ["public.drivers"]),
      );
      const c = await connect(target.url);
      const { rows } = await c.query<{ t: string }>(
        "SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
      );
      await c.end();
      expect(rows.map((r) => r.t)).toEqual(["public.drivers"]);
    } finally {
      await target.drop();
    }
  });

  it("lists backups newest first by their time, whatever the database's name or the tier", async () => {
    await s3.createBucket("sorting");
    const keys = [
      "daily/2026/11/20/zeta-20261120T060000Z.dump.gz",
      "monthly/2026/11/01/beta-20261101T060000Z.dump.gz",
      "daily/2026/11/21/alpha-20261121T060000Z.dump.gz",
    ];
    for (const key of keys) {
      await s3.client.send(
        new PutObjectCommand({
          Bucket: "sorting",
          Key: `${key}.manifest.json`,
          Body: JSON.stringify({ ...manifest, key }),
        }),
      );
    }
    expect((await listBackups(s3.client, "sorting")).map((m) => m.key)).toEqual([keys[2], keys[0], keys[1]]);
    expect((await findBackup(s3.client, "sorting", "latest")).key).toBe(keys[2]);
  });

  it("tells the production database apart from others", () => {
    const prod = "postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/postgres";
    expect(isSameDatabase(prod, "postgresql://postgres:other@DB.abcdefghijklmnopqrst.supabase.co/postgres")).toBe(true);
    expect(
      isSameDatabase(
        prod,
        "postgresql://postgres.abcdefghijklmnopqrst:pw@aws-0-eu-west-3.pooler.supabase.com:5432/postgres",
      ),
    ).toBe(true);
    expect(isSameDatabase(prod, "postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/staging")).toBe(
      false,
    );
    expect(isSameDatabase(prod, "postgresql://postgres:pw@db.zzzzzzzzzzzzzzzzzzzz.supabase.co:5432/postgres")).toBe(
      false,
    );
    expect(isSameDatabase("postgres://u@127.0.0.1:5433/app", "postgres://v@127.0.0.1:5433/app")).toBe(true);
    expect(isSameDatabase("postgres://u@127.0.0.1:5433/app", "postgres://u@127.0.0.1:5434/app")).toBe(false);
    // Issue 19: names of one host.
    expect(isSameDatabase("postgres://u@localhost:5433/app", "postgres://u@127.0.0.1:5433/app")).toBe(true);
    expect(isSameDatabase(prod, "postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co.:5432/postgres")).toBe(
      true,
    );
  });

  it("tells the same server by what it says of itself: system identifier and database, else addresses and port (issue 19)", async () => {
    const identity = async (url: string) => {
      const c = await connectTarget(url, "--target");
      try {
        return await serverIdentity(c, url);
      } finally {
        await c.end();
      }
    };
    // As postgres (not a superuser): pg_control_system() is allowed.
    const a = await identity(db().url);
    const b = await identity(db().superuserUrl.replace("127.0.0.1", "localhost"));
    expect(a.systemIdentifier).toMatch(/^\d+$/);
    expect(b.systemIdentifier).toBe(a.systemIdentifier);
    expect(sameServerDatabase(a, b)).toBe(true);
    const other = await identity(db().superuserUrl.replace(`/${db().name}`, "/postgres"));
    expect(sameServerDatabase(a, other)).toBe(false);
    // Where pg_control_system() is revoked: the resolved addresses and the port.
    const [x, y] = [
      { ...a, systemIdentifier: undefined },
      { ...b, systemIdentifier: undefined },
    ];
    expect(x.addresses).toEqual(["loopback"]);
    expect(sameServerDatabase(x, y)).toBe(true);
    expect(sameServerDatabase(x, { ...y, port: y.port + 1 })).toBe(false);
    expect(sameServerDatabase(a, { ...b, systemIdentifier: "1" })).toBe(false);
  });
});
