// The daily backups check says when to switch runner: a backup or a drill that took more than
// 60 % of what its runner allows (Lambda's 15 minutes, or the Fargate task's maxRunMinutes)
// warns, naming the key to set; read from the real manifest and drill record on the S3 server.
import { createHash } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { backupKeys, type Manifest } from "../../lambdas/backup/manifest";
import { writeDrillRecord } from "../../lambdas/checks/backup-drill";
import { backupsCheck, formatDuration } from "../../lambdas/checks/backups";
import type { BackupThresholds } from "../../lambdas/core/inputs";
import { DEFAULT_INPUTS, type TaskInputs } from "../../lambdas/core/inputs";
import { noMetrics } from "../../lambdas/core/metrics";
import { startS3, type TestS3 } from "../support/s3";

const NOW = new Date("2026-11-20T06:00:00Z");
const MINUTE = 60_000;

describe("backups check: the runner's limit", () => {
  let s3: TestS3;
  let n = 0;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  /** Fresh buckets holding one backup that took `backupSeconds` and, when given, a drill that took `drillSeconds`. */
  async function bed(backupSeconds: number, drillSeconds?: number) {
    const [backups, logs] = [`backups-${++n}`, `logs-${n}`];
    await s3.createBucket(backups);
    await s3.createBucket(logs);
    const finished = new Date(NOW.getTime() - 2 * 60 * MINUTE);
    const started = new Date(finished.getTime() - backupSeconds * 1000);
    const body = Buffer.from("a dump");
    const { key, manifestKey, rolesKey, tier } = backupKeys("postgres", started);
    const manifest = {
      manifestVersion: 1,
      database: "postgres",
      serverVersion: "15.8",
      pgDumpVersion: "15.8",
      format: "custom",
      compression: "gzip",
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      key,
      rolesKey,
      tier,
      sizeBytes: body.length,
      sha256: createHash("sha256").update(body).digest("hex"),
      tables: [],
      schemas: ["public"],
      extensions: [],
      rlsTables: [],
      policies: [],
    } satisfies Manifest;
    await s3.client.send(new PutObjectCommand({ Bucket: backups, Key: key, Body: body }));
    await s3.client.send(new PutObjectCommand({ Bucket: backups, Key: manifestKey, Body: JSON.stringify(manifest) }));
    if (drillSeconds !== undefined) {
      const drillEnd = new Date(NOW.getTime() - 24 * 60 * MINUTE);
      await writeDrillRecord(
        s3.client,
        logs,
        { status: "ok", summary: "restored" },
        new Date(drillEnd.getTime() - drillSeconds * 1000),
        { finishedAt: drillEnd },
      );
    }
    return { backups, logs };
  }

  async function run(where: { backups: string; logs: string }, thresholds: Partial<BackupThresholds> = {}) {
    const inputs = {
      ...DEFAULT_INPUTS,
      checkLevels: {},
      taskName: "test",
      backupsBucket: where.backups,
      logsBucket: where.logs,
      backups: { ...DEFAULT_INPUTS.backups, ...thresholds },
    } as TaskInputs;
    return backupsCheck(() => s3.client).run({
      inputs,
      now: NOW,
      signal: new AbortController().signal,
      metrics: noMetrics,
    });
  }

  it("formats durations as the warning says them", () => {
    expect([
      formatDuration(580),
      formatDuration(600),
      formatDuration(45),
      formatDuration(9000),
      formatDuration(14_400),
    ]).toEqual(["9 min 40 s", "10 min", "45 s", "2 h 30 min", "4 h"]);
  });

  it("on Lambda: a backup of 9 min 40 s (64 % of 15 min) warns to set backups.runner.backup: fargate", async () => {
    const result = await run(await bed(580, 120));
    expect(result).toMatchObject({
      status: "warn",
      details: { tookSeconds: { backup: 580, drill: 120 }, sha256Verified: true },
    });
    expect(result.summary).toBe("the backup took 9 min 40 s of Lambda's 15: set backups.runner.backup: fargate");
  });

  it("on Lambda: a drill of 10 min warns for the drill; 8 min of backup (53 %) does not", async () => {
    const result = await run(await bed(480, 600));
    expect(result.status).toBe("warn");
    expect(result.summary).toBe("the restore drill took 10 min of Lambda's 15: set backups.runner.drill: fargate");
  });

  it("both within 60 % is ok, with the durations in the details", async () => {
    const result = await run(await bed(480, 530));
    expect(result).toMatchObject({ status: "ok", details: { tookSeconds: { backup: 480, drill: 530 } } });
  });

  it("on Fargate the limit is maxRunMinutes: 9 min 40 s is fine, 2 h 30 min of 4 h warns to raise it", async () => {
    const runners = {
      backup: { runner: "fargate" as const, limitSeconds: 240 * 60 },
      drill: { runner: "lambda" as const, limitSeconds: 900 },
    };
    expect((await run(await bed(580), { runners })).status).toBe("ok");
    const slow = await run(await bed(9000), { runners });
    expect(slow).toMatchObject({
      status: "warn",
      summary:
        "the backup took 2 h 30 min of the 4 h its Fargate task may run: raise backups.fargate.maxRunMinutes or its cpu",
    });
  });
});
