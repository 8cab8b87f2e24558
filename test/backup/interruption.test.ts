// Backups cut at random points: pg_dump's connection terminated, the S3 server gone, the
// process killed. Never a manifest for a cut dump, never a completed object passed off as a
// backup, no multipart parts left once a run gets through; the check says `fail` meanwhile.
// @slow: started first (test/support/sequencer.js)
import { spawn } from "node:child_process";
import * as path from "node:path";
import { ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { Client } from "pg";
import { runBackup } from "../../lambdas/backup/dump";
import { listBackups } from "../../lambdas/backup/manifest";
import { backupsCheck } from "../../lambdas/checks/backups";
import { DEFAULT_INPUTS } from "../../lambdas/core/inputs";
import { noMetrics } from "../../lambdas/core/metrics";
import { connect, superuserUrl, useFreshDatabase } from "../support/db";
import { startS3, type TestS3 } from "../support/s3";
import { seededRandom } from "../tasks/support";
import { loadData, NOW } from "./support";

const MB = 1024 * 1024;
const PART = 5 * MB;

describe("interrupted backups", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let bucket = 0;
  const random = seededRandom(5);

  beforeAll(async () => {
    s3 = await startS3();
    const admin: Client = await db().client("supabase_admin");
    // Big enough for a multipart upload of several 5 MB parts.
    await loadData(admin, 250_000);
  });
  afterAll(async () => {
    await s3?.stop();
  });

  async function newBucket(): Promise<string> {
    const name = `cut-${++bucket}`;
    await s3.createBucket(name);
    return name;
  }
  const pending = async (s: TestS3, name: string) =>
    (await s.client.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads ?? [];
  const objects = async (s: TestS3, name: string) =>
    ((await s.client.send(new ListObjectsV2Command({ Bucket: name }))).Contents ?? []).map((o) => o.Key!);
  /** A backup into `name` that calls `cut` once, when `atBytes` have been dumped; `wasCut()` tells whether it came to that. */
  function backupCutAt(name: string, atBytes: number, cut: () => void) {
    let done = false;
    const attempt = runBackup({
      databaseUrl: db().url,
      s3: s3.client,
      bucket: name,
      now: () => NOW,
      partSizeBytes: PART,
      onProgress: (bytes) => {
        if (bytes < atBytes || done) return;
        done = true;
        cut();
      },
    });
    return { attempt, wasCut: () => done };
  }
  const check = (s: TestS3, name: string) =>
    backupsCheck(() => s.client).run({
      inputs: { ...DEFAULT_INPUTS, checkLevels: {}, taskName: "test", backupsBucket: name },
      now: NOW,
      signal: new AbortController().signal,
      metrics: noMetrics,
    });

  it("pg_dump's connection terminated at random points: no object, no manifest, no parts; the check fails", async () => {
    for (let i = 0; i < 3; i++) {
      const name = await newBucket();
      const cutAt = Math.floor((0.2 + 0.6 * random()) * 3 * PART);
      const admin = await connect(superuserUrl());
      // The dump's own backend: the one streaming COPY out.
      const { attempt, wasCut } = backupCutAt(name, cutAt, () => {
        // This file's database only: other files back up at the same time on the same server.
        void admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'elegance-ops:backup' AND datname = $1 AND query LIKE 'COPY %'",
          [db().name],
        );
      });
      await expect(attempt).rejects.toThrow(/pg_dump failed/);
      await admin.end();
      expect(wasCut()).toBe(true);
      expect(await objects(s3, name)).toEqual([]);
      expect(await pending(s3, name)).toEqual([]);
      expect(await check(s3, name)).toMatchObject({
        status: "fail",
        summary: expect.stringContaining("no complete backup"),
      });
    }
  });

  it("the S3 server closed mid-upload: no backup; the next run cleans the leftover parts and completes", async () => {
    const name = await newBucket();
    let stopped: Promise<void> | undefined;
    const { attempt, wasCut } = backupCutAt(name, 2.5 * PART, () => {
      stopped = s3.stop({ keep: true });
    });
    await expect(attempt).rejects.toThrow();
    expect(wasCut()).toBe(true);
    await stopped;
    s3 = await startS3({ directory: s3.directory });
    expect((await objects(s3, name)).filter((k) => k.endsWith(".manifest.json"))).toEqual([]);
    expect(await listBackups(s3.client, name)).toEqual([]);
    expect((await check(s3, name)).status).toBe("fail");

    const result = await runBackup({
      databaseUrl: db().url,
      s3: s3.client,
      bucket: name,
      now: () => NOW,
      partSizeBytes: PART,
    });
    expect(result).toMatchObject({ abortedStaleUploads: expect.any(Number) });
    expect(await pending(s3, name)).toEqual([]);
    expect((await check(s3, name)).status).toBe("ok");
  });

  it("the process killed mid-upload: no manifest; the next run aborts what it left and completes", async () => {
    const name = await newBucket();
    const root = path.join(__dirname, "..", "..");
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "bin/ops.ts", "backup", "--part-size-mb", "5"],
      {
        cwd: root,
        env: { PATH: process.env.PATH, ...s3.env, DATABASE_URL: db().url, BACKUPS_BUCKET: name },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    // Progress lines go to stderr (not a terminal: one line each); kill once 2 parts are out.
    await new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding("utf8").on("data", (line: string) => {
        const mb = Number(/backup: ([\d.]+) MB/.exec(line)?.[1] ?? 0);
        if (mb >= 12) child.kill("SIGKILL");
      });
      child.on("exit", (_code, signal) =>
        signal === "SIGKILL"
          ? resolve()
          : reject(new Error(`backup ended before it could be killed (${signal ?? _code})`)),
      );
    });
    expect(await listBackups(s3.client, name)).toEqual([]);
    expect((await check(s3, name)).status).toBe("fail");
    const leftovers = (await pending(s3, name)).length;

    const result = await runBackup({
      databaseUrl: db().url,
      s3: s3.client,
      bucket: name,
      now: () => NOW,
      partSizeBytes: PART,
    });
    expect(result).toMatchObject({ abortedStaleUploads: leftovers });
    expect(await pending(s3, name)).toEqual([]);
    expect(await listBackups(s3.client, name)).toHaveLength(1);
  });
});
