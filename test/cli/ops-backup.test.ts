// `npm run ops -- backup|restore`, as an operator types them, against the test bed's PostgreSQL
// and the S3-protocol server: list, drill, selective restore, and the production guard.
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { useFreshDatabase } from "../support/db";
import { startS3, TestS3 } from "../support/s3";
import { emptyDatabase, tableDigests } from "../backup/support";
import { superuserUrl } from "../support/db";
import { ops } from "./support";

describe("ops backup and ops restore", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  const env = () => ({ ...s3.env, DATABASE_URL: db().url, BACKUPS_BUCKET: "backups" });

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket("backups");
    await s3.createBucket("logs");
    const made = await ops(["backup"], env());
    if (made.code !== 0) throw new Error(made.stderr);
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it("lists the complete backup and drills it, recording the result for the weekly list", async () => {
    const list = await ops(["backup", "list", "--json"], env());
    expect(list.code).toBe(0);
    const [latest] = JSON.parse(list.stdout);
    expect(latest.key).toMatch(/^(daily|monthly)\/\d{4}\/\d{2}\/\d{2}\/test_\w+-\d{8}T\d{6}Z\.dump\.gz$/);

    const drill = await ops(["backup", "drill", "--scratch-url", superuserUrl(), "--logs-bucket", "logs"], env());
    expect(drill.code).toBe(0);
    expect(drill.stdout).toContain(`drill: ok: restore drill of ${latest.key}`);
    const records = await s3.client.send(
      new ListObjectsV2Command({ Bucket: "logs", Prefix: "reports/backups/drills/" }),
    );
    expect(records.Contents).toHaveLength(1);
  });

  it("refuses the production database as a target, --clean without confirmation, and parts S3 would refuse", async () => {
    const prod = await ops(["restore", "--target", db().url], env());
    expect(prod.code).toBe(2);
    expect(prod.stderr).toContain(
      "--target is the production database (the same server and database as --database-url); refusing",
    );
    const clean = await ops(["restore", "--target", superuserUrl("postgres"), "--clean"], env());
    expect(clean.code).toBe(2);
    expect(clean.stderr).toContain("--clean without a terminal needs --yes; nothing done");
    const parts = await ops(["backup", "run", "--part-size-mb", "4"], env());
    expect(parts.code).toBe(2);
    expect(parts.stderr).toContain("--part-size-mb must be at least 5 (S3's smallest part), got 4");
  });

  it("restores one table into another database (restauration sélective)", async () => {
    const target = await emptyDatabase(`ops_restore_${process.pid}`);
    try {
      const restored = await ops(["restore", "--target", target.url, "--table", "public.drivers", "--no-owner"], env());
      expect(restored.stderr).not.toMatch(/^ops:/m);
      expect(restored.code).toBe(0);
      expect(restored.stdout).toMatch(/^restore: \S+ into ops_restore_\d+: [\d.]+ MB, sha-256 verified, committed in/);
      expect(await tableDigests(target.url, ["public.drivers"])).toEqual(
        await tableDigests(db().superuserUrl, ["public.drivers"]),
      );
    } finally {
      await target.drop();
    }
  });
});
