// The backup image's one entry point, two runners: the bundle the image carries, run as a process
// (`node backup/index.js`, as the ECS Fargate task does) and as the Lambda handler, against the
// test bed's PostgreSQL and S3 server with the secret read from a Secrets Manager endpoint: the
// same manifest, the same heartbeat and metrics; a failure exits 1, a run past its limit 124.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundle } from "../../infra/bundle";
import { listBackups, type Manifest } from "../../lambdas/backup/manifest";
import { handler } from "../../lambdas/handlers/backup";
import { useFreshDatabase } from "../support/db";
import { captureEmf, type EmfRecord } from "../support/emf";
import { startS3, type TestS3 } from "../support/s3";
import { startSecretsManager, type FakeSecretsManager } from "../support/secrets-manager-api";
import { loadData } from "./support";

const BUCKET = "backups";
const SECRET = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:elegance-mobilite/backup-database-url";
const SLOW_SECRET = `${SECRET}-slow`;

jest.setTimeout(120_000);

describe("the backup's entry point, as a process and as a Lambda handler", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let secrets: FakeSecretsManager;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket(BUCKET);
    await loadData(await db().client("supabase_admin"), 5_000);
    secrets = await startSecretsManager({ [SECRET]: db().url, [SLOW_SECRET]: db().url }, { [SLOW_SECRET]: 30_000 });
    // What the image holds: the handler's bundle under backup/.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "elegance-entry-"));
    fs.mkdirSync(path.join(dir, "backup"));
    for (const [name, content] of Object.entries(bundle("backup").files))
      fs.writeFileSync(path.join(dir, "backup", name), content);
    // The variables infra/backup gives the Lambda and the task definition alike.
    env = {
      ...s3.env,
      ...secrets.env,
      BACKUP_DATABASE_URL_SECRET_ARN: SECRET,
      BACKUPS_BUCKET: BUCKET,
      TIMEZONE: "Europe/Paris",
      BACKUP_KEEP_YEARLY: "true",
      BACKUP_OBJECT_LOCK: JSON.stringify({ mode: "GOVERNANCE", days: 14 }),
      TASK_NAME: "backup",
      APP_NAME: "elegance-mobilite",
    };
  });
  afterAll(async () => {
    await secrets?.close();
    await s3?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `node backup/index.js` with the task's environment: exit code, EMF records, the logged result. */
  function runProcess(
    extra: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number | null; records: EmfRecord[]; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(dir, "backup", "index.js")], {
        cwd: dir,
        env: { ...process.env, ...env, ...extra },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => (stdout += c));
      child.stderr.on("data", (c) => (stderr += c));
      const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, records: emfOf(stdout), stdout, stderr });
      });
    });
  }

  /** The handler as Lambda's runtime calls it, in this process with the same variables. */
  async function runLambda(): Promise<{ result: { key: string }; records: EmfRecord[] }> {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return (await captureEmf(() => handler())) as { result: { key: string }; records: EmfRecord[] };
    } finally {
      process.env = saved;
    }
  }

  // What depends on when it ran (times, keys, bytes of a dump stamped with its time) aside.
  const content = ({ startedAt, finishedAt, key, rolesKey, sha256, sizeBytes, archiveBytes, ...rest }: Manifest) =>
    rest;
  const shape = (r: EmfRecord) => ({
    namespace: r.namespace,
    dimensions: r.dimensions,
    metrics: Object.keys(r.metrics).sort(),
    units: r.units,
  });

  it("writes the same backup, heartbeat and metrics whichever runs it", async () => {
    const byProcess = await runProcess();
    expect(byProcess.stderr).toBe("");
    expect(byProcess.code).toBe(0);
    const logged = byProcess.stdout
      .split("\n")
      .map((l) => (l.startsWith("{") ? JSON.parse(l) : {}))
      .find((l) => l.message === "backup: done");
    // Keys carry the second the backup started: the Lambda's must be another.
    await new Promise((r) => setTimeout(r, 1100));
    const byLambda = await runLambda();

    const manifests = await listBackups(s3.client, BUCKET);
    const processManifest = manifests.find((m) => m.key === logged.result.key)!;
    const lambdaManifest = manifests.find((m) => m.key === byLambda.result.key)!;
    expect(manifests).toHaveLength(2);
    expect(processManifest.key).not.toBe(lambdaManifest.key);
    expect(content(processManifest)).toEqual(content(lambdaManifest));
    expect(processManifest.tables.find((t) => `${t.schema}.${t.name}` === "public.rides")?.rows).toBe(5_000);

    expect(byProcess.records.map(shape)).toEqual(byLambda.records.map(shape));
    expect(byProcess.records).toEqual([
      expect.objectContaining({
        namespace: "EleganceOps",
        dimensions: { Task: "backup" },
        metrics: expect.objectContaining({ Heartbeat: 1, BackupBytes: processManifest.sizeBytes }),
      }),
    ]);
    expect(byLambda.records[0].metrics.BackupBytes).toBe(lambdaManifest.sizeBytes);
    // The secret was read from Secrets Manager, and never printed.
    expect(secrets.requests.filter((r) => JSON.parse(r.body).SecretId === SECRET)).toHaveLength(2);
    expect(byProcess.stdout).not.toContain(db().url);
  });

  it("exits 1 on failure, naming what failed, with no heartbeat", async () => {
    const run = await runProcess({ BACKUPS_BUCKET: "no-such-bucket" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"message":"backup: failed"');
    expect(run.stderr).toMatch(/NoSuchBucket|does not exist/);
    expect(run.records).toEqual([]);
  });

  it("stops itself past MAX_RUN_SECONDS with exit code 124, with no heartbeat", async () => {
    const started = Date.now();
    const run = await runProcess({ BACKUP_DATABASE_URL_SECRET_ARN: SLOW_SECRET, MAX_RUN_SECONDS: "2" });
    expect(run.code).toBe(124);
    expect(run.stderr).toContain("backup ran past MAX_RUN_SECONDS (2 s): stopped");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.records).toEqual([]);
  });
});

function emfOf(stdout: string): EmfRecord[] {
  return stdout
    .split("\n")
    .filter((l) => l.includes('"_aws"'))
    .map((l) => {
      const json = JSON.parse(l);
      const meta = json._aws.CloudWatchMetrics[0];
      return {
        namespace: meta.Namespace,
        dimensions: Object.fromEntries((meta.Dimensions[0] as string[]).map((d) => [d, json[d]])),
        metrics: Object.fromEntries(meta.Metrics.map((m: { Name: string }) => [m.Name, json[m.Name]])),
        units: Object.fromEntries(meta.Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit])),
      };
    });
}
