// The restore drill and the daily backup check, on real backups in the S3 server: a sound
// backup passes; a flipped byte, a sequence behind its column, a manifest the restore does not
// match and a shrunken dump each fail with a message that says so, and a corrupt object never
// gets committed into a target.
// @slow: started first (test/support/sequencer.js)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { Client } from "pg";
import { runBackup } from "../../lambdas/backup/dump";
import { runDrill } from "../../lambdas/backup/drill";
import { findBackup, manifestKeyOf, type Manifest } from "../../lambdas/backup/manifest";
import { restoreBackup } from "../../lambdas/backup/restore";
import { startScratchServer } from "../../lambdas/backup/scratch-server";
import { backupDrillCheck, writeDrillRecord } from "../../lambdas/checks/backup-drill";
import { backupsCheck } from "../../lambdas/checks/backups";
import { DEFAULT_INPUTS, type TaskInputs } from "../../lambdas/core/inputs";
import { noMetrics } from "../../lambdas/core/metrics";
import { connect, superuserUrl, useFreshDatabase } from "../support/db";
import { runAsUser, runnableNativeDir } from "../support/pg-server";
import { startS3, type TestS3 } from "../support/s3";
import { emptyDatabase, loadData, NOW } from "./support";

const BUCKET = "backups";
const LOGS = "logs";
const HOUR = 3_600_000;

/** The file s3rver keeps an object's bytes in. */
function storedFile(s3: TestS3, key: string): string {
  const file = path.join(s3.directory, BUCKET, `${key}._S3rver_object`);
  if (!fs.existsSync(file)) throw new Error(`s3rver layout changed: ${file} not found`);
  return file;
}

describe("restore drill and backup check", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let admin: Client;
  const inputs = (): TaskInputs => ({
    ...DEFAULT_INPUTS,
    checkLevels: {},
    taskName: "test",
    backupsBucket: BUCKET,
    logsBucket: LOGS,
  });
  const check = (c: ReturnType<typeof backupsCheck>, now: Date) =>
    c.run({ inputs: inputs(), now, signal: new AbortController().signal, metrics: noMetrics });
  const backup = async (at: Date): Promise<Manifest> => {
    const result = await runBackup({ databaseUrl: db().url, s3: s3.client, bucket: BUCKET, now: () => at });
    if (!("manifest" in result)) throw new Error("skipped");
    return result.manifest;
  };

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket(BUCKET);
    await s3.createBucket(LOGS);
    admin = await db().client("supabase_admin");
    await loadData(admin);
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it("no backup at all is a fail", async () => {
    const result = await check(
      backupsCheck(() => s3.client),
      NOW,
    );
    expect(result).toMatchObject({ status: "fail", summary: expect.stringContaining("no complete backup") });
  });

  it("a sound backup passes the check and the drill, in the test bed's server and in a scratch server", async () => {
    const manifest = await backup(NOW);
    const result = await check(
      backupsCheck(() => s3.client),
      new Date(NOW.getTime() + 2 * HOUR),
    );
    expect(result).toMatchObject({ status: "ok", details: { key: manifest.key, sha256Verified: true } });
    expect(
      (
        await check(
          backupsCheck(() => s3.client),
          new Date(NOW.getTime() + 30 * HOUR),
        )
      ).summary,
    ).toContain("30 h old (limit 26 h)");

    const drill = await runDrill({ s3: s3.client, bucket: BUCKET, scratchUrl: superuserUrl() });
    expect(drill.status).toBe("ok");
    expect(drill.details).toMatchObject({ rowCountMismatches: [], sequencesBehind: [], corruptIndexes: [] });
    expect(drill.details.indexesChecked).toBeGreaterThan(5);
    // Unique indexes (primary keys first) are also proven against every heap row.
    expect(drill.details.indexesHeapChecked).toBeGreaterThan(2);
    expect(drill.details.indexesHeapChecked).toBeLessThan(drill.details.indexesChecked);
    expect(Object.values(drill.details.missing).flat()).toEqual([]);
    // The scratch database is gone afterwards.
    const c = await connect(superuserUrl());
    expect((await c.query("SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'drill\\_%'")).rows[0].n).toBe(
      0,
    );
    await c.end();

    // The Lambda's way: its own scratch server from the server binaries.
    const runAs = runAsUser();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "elegance-bin-"));
    if (runAs) fs.chownSync(root, runAs.uid, runAs.gid);
    const scratch = await startScratchServer({ bindir: path.join(runnableNativeDir(runAs, root), "bin"), runAs });
    try {
      const own = await runDrill({ s3: s3.client, bucket: BUCKET, scratchUrl: scratch.url });
      expect(own).toMatchObject({ status: "ok", details: { rowCountMismatches: [] } });
      const key = await writeDrillRecord(s3.client, LOGS, own, NOW, { finishedAt: NOW });
      const weekly = await check(
        backupDrillCheck(() => s3.client),
        new Date(NOW.getTime() + 3 * HOUR),
      );
      expect(weekly).toMatchObject({ status: "ok", details: { record: key } });
      const late = await check(
        backupDrillCheck(() => s3.client),
        new Date(NOW.getTime() + 9 * 24 * HOUR),
      );
      expect(late).toMatchObject({ status: "fail", summary: expect.stringContaining("9 days old") });
    } finally {
      await scratch.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("restores from a local copy with pg_restore --jobs, or streamed in one transaction when told to", async () => {
    const local = await runDrill({ s3: s3.client, bucket: BUCKET, scratchUrl: superuserUrl() });
    const streamed = await runDrill({ s3: s3.client, bucket: BUCKET, scratchUrl: superuserUrl(), localCopy: false });
    for (const drill of [local, streamed])
      expect(drill).toMatchObject({
        status: "ok",
        details: { rowCountMismatches: [], sequencesBehind: [], corruptIndexes: [] },
      });
    expect([local.details.restoredFrom, streamed.details.restoredFrom]).toEqual(["local copy", "stream"]);
    // The manifest records the archive's size inside the gzip (what the local copy takes on disk).
    const manifest = await findBackup(s3.client, BUCKET, "latest");
    expect(manifest.archiveBytes).toBeGreaterThan(manifest.sizeBytes);
  });

  it("a sequence behind its column is caught by the drill", async () => {
    // Made by the app's role, as the app's tables are.
    const app = await db().client();
    await app.query("CREATE TABLE public.counters (id bigserial PRIMARY KEY, label text)");
    await app.query("INSERT INTO public.counters (label) SELECT 'c' || g FROM generate_series(1, 50) g");
    await app.query("SELECT setval('public.counters_id_seq', 10)");
    try {
      await backup(new Date(NOW.getTime() + HOUR));
      const drill = await runDrill({ s3: s3.client, bucket: BUCKET, scratchUrl: superuserUrl() });
      expect(drill.status).toBe("fail");
      expect(drill.details.sequencesBehind).toEqual([
        { sequence: "counters_id_seq", column: "counters.id", nextValue: "11", columnMax: "50" },
      ]);
      expect(drill.summary).toContain("1 sequence(s) behind their column");
    } finally {
      await admin.query("DROP TABLE public.counters");
    }
  });

  it("a manifest promising other rows and a policy than the restore holds is a fail (checks on 3 connections)", async () => {
    const manifest = await backup(new Date(NOW.getTime() + 1.5 * HOUR));
    const promised: Manifest = {
      ...manifest,
      tables: manifest.tables.map((t) => (t.name === "rides" ? { ...t, rows: t.rows + 1 } : t)),
      policies: [...manifest.policies, "public.rides: nobody wrote this policy"],
    };
    await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: manifestKeyOf(manifest.key), Body: JSON.stringify(promised) }),
    );
    const rides = manifest.tables.find((t) => t.name === "rides")!;
    const drill = await runDrill({
      s3: s3.client,
      bucket: BUCKET,
      scratchUrl: superuserUrl(),
      backup: manifest.key,
      parallelism: 3,
      heapAllIndexed: "all",
    });
    expect(drill.status).toBe("fail");
    expect(drill.details.rowCountMismatches).toEqual([
      { table: `${rides.schema}.rides`, manifest: rides.rows + 1, restored: rides.rows },
    ]);
    expect(drill.details.missing.policies).toEqual(["public.rides: nobody wrote this policy"]);
    expect(drill.details).toMatchObject({
      sequencesBehind: [],
      corruptIndexes: [],
      indexesHeapChecked: drill.details.indexesChecked,
    });
    expect(drill.summary).toContain(
      "1 table(s) with other row counts than the manifest; 1 object(s) of the manifest missing",
    );
  });

  it("a flipped byte: restore and drill fail naming the checksum, nothing committed, the check fails", async () => {
    const manifest = await backup(new Date(NOW.getTime() + 2 * HOUR));
    const file = storedFile(s3, manifest.key);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length * 0.6)] ^= 0xff;
    fs.writeFileSync(file, bytes);

    const target = await emptyDatabase(`restore_corrupt_${process.pid}`);
    try {
      await expect(restoreBackup({ s3: s3.client, bucket: BUCKET, manifest, targetUrl: target.url })).rejects.toThrow(
        /checksum mismatch .*nothing was committed/,
      );
      const c = await connect(target.url);
      const { rows } = await c.query(
        "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname IN ('public', 'auth')",
      );
      await c.end();
      expect(rows[0].n).toBe(0);
    } finally {
      await target.drop();
    }
    await expect(runDrill({ s3: s3.client, bucket: BUCKET, scratchUrl: superuserUrl() })).rejects.toThrow(
      /checksum mismatch/,
    );
    // Its rows were restored while the object downloaded: the scratch database goes with the drill.
    const left = await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'drill\\_%'");
    expect(left.rows).toEqual([]);
    const result = await check(
      backupsCheck(() => s3.client),
      new Date(NOW.getTime() + 3 * HOUR),
    );
    expect(result).toMatchObject({ status: "fail", summary: expect.stringContaining("checksum mismatch") });
  });

  it("a dump far smaller than the previous ones is a fail", async () => {
    for (const hours of [24, 48, 72]) await backup(new Date(NOW.getTime() + hours * HOUR));
    await admin.query("DELETE FROM public.rides WHERE id % 10 <> 0");
    const shrunk = await backup(new Date(NOW.getTime() + 96 * HOUR));
    const result = await check(
      backupsCheck(() => s3.client),
      new Date(NOW.getTime() + 97 * HOUR),
    );
    expect(result.status).toBe("fail");
    expect(result.summary).toContain(`${shrunk.key}: the latest dump is`);
    expect(result.summary).toMatch(/% of the usual size/);
  });
});
