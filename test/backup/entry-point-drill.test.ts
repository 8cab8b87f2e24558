// The drill's entry point, two runners: the bundle the image carries run as a process (`node
// backup-drill/index.js`, as the ECS Fargate task does) and as Lambda's runtime calls it (the
// module's `handler`), each in a child process as a non-root user (PostgreSQL refuses root, as
// on Fargate where the task runs as `postgres`): the same drill record, heartbeat and metrics.
// @slow: started first (test/support/sequencer.js)
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundle } from "../../infra/bundle";
import { runBackup } from "../../lambdas/backup/dump";
import { latestDrillRecord, type DrillRecord } from "../../lambdas/checks/backup-drill";
import { useFreshDatabase } from "../support/db";
import { runAsUser, runnableNativeDir, runnableNode } from "../support/pg-server";
import { startS3, type TestS3 } from "../support/s3";
import { loadData, NOW } from "./support";

const BUCKET = "backups";
const LOGS = "logs";

jest.setTimeout(240_000);

describe("the drill's entry point, as a process and as a Lambda handler", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let node: string;
  const runAs = runAsUser();

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket(BUCKET);
    await s3.createBucket(LOGS);
    await loadData(await db().client("supabase_admin"), 5_000);
    const backup = await runBackup({ databaseUrl: db().url, s3: s3.client, bucket: BUCKET, now: () => NOW });
    if (!("manifest" in backup)) throw new Error(`backup skipped: ${backup.skipped}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "elegance-entry-drill-"));
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, "backup-drill"));
    for (const [name, content] of Object.entries(bundle("backup-drill").files))
      fs.writeFileSync(path.join(dir, "backup-drill", name), content);
    // As the Lambda runtime does: require the module, call its handler, print what it returned.
    fs.writeFileSync(
      path.join(dir, "lambda-runtime.js"),
      'require("./backup-drill/index.js").handler().then((r) => console.log(JSON.stringify({ lambdaResult: r })));\n',
    );
    const bindir = path.join(runnableNativeDir(runAs, dir), "bin");
    node = runnableNode(runAs, dir);
    env = {
      ...s3.env,
      BACKUPS_BUCKET: BUCKET,
      LOGS_BUCKET: LOGS,
      TIMEZONE: "Europe/Paris",
      TASK_NAME: "backup-drill",
      APP_NAME: "elegance-mobilite",
      PG_SERVER_BINDIR: bindir,
    };
  });
  afterAll(async () => {
    await s3?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function run(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(node, [path.join(dir, script)], {
        cwd: dir,
        env: { ...process.env, ...env, HOME: dir },
        stdio: ["ignore", "pipe", "pipe"],
        ...(runAs ?? {}),
      });
      let [stdout, stderr] = ["", ""];
      child.stdout.on("data", (c) => (stdout += c));
      child.stderr.on("data", (c) => (stderr += c));
      const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  const emf = (stdout: string) =>
    stdout
      .split("\n")
      .filter((l) => l.includes('"_aws"'))
      .map((l) => {
        const { _aws, ...fields } = JSON.parse(l);
        const meta = _aws.CloudWatchMetrics[0];
        return {
          namespace: meta.Namespace,
          dimensions: meta.Dimensions,
          metrics: meta.Metrics,
          task: fields.Task,
          drillOk: fields.DrillOk,
          heartbeat: fields.Heartbeat,
        };
      });
  // What depends on when and how fast it ran aside.
  const content = ({ startedAt, finishedAt, metrics, details, ...rest }: DrillRecord) => ({
    ...rest,
    summary: rest.summary.replace(/restored in [\d.]+ s/, "restored in N s"),
    details: withoutTimes(details),
  });
  const withoutTimes = (d: unknown): unknown =>
    d && typeof d === "object" && !Array.isArray(d)
      ? Object.fromEntries(
          Object.entries(d)
            .filter(([k]) => !/seconds|ms$|time|At$/i.test(k))
            .map(([k, v]) => [k, withoutTimes(v)]),
        )
      : d;

  it("records the same verdict, heartbeat and metrics whichever runs it", async () => {
    const byProcess = await run("backup-drill/index.js");
    expect(byProcess.code).toBe(0);
    expect(byProcess.stderr).toBe("");
    const processRecord = (await latestDrillRecord(s3.client, LOGS))!;
    const byLambda = await run("lambda-runtime.js");
    expect(byLambda.code).toBe(0);
    const lambdaRecord = (await latestDrillRecord(s3.client, LOGS))!;

    expect(processRecord.record.status).toBe("ok");
    expect(lambdaRecord.key).toBe(processRecord.key);
    expect(Date.parse(lambdaRecord.record.startedAt)).toBeGreaterThan(Date.parse(processRecord.record.startedAt));
    expect(content(processRecord.record)).toEqual(content(lambdaRecord.record));
    const logged = JSON.parse(byProcess.stdout.split("\n").find((l) => l.includes('"backup-drill: done"'))!);
    const returned = JSON.parse(byLambda.stdout.split("\n").find((l) => l.includes("lambdaResult"))!).lambdaResult;
    const untimed = (r: { summary: string }) => ({
      ...r,
      summary: r.summary.replace(/restored in [\d.]+ s/, "restored in N s"),
    });
    expect(untimed(logged.result)).toEqual(untimed(returned));
    expect(returned).toMatchObject({ status: "ok", recordKey: processRecord.key });

    const [p, l] = [emf(byProcess.stdout), emf(byLambda.stdout)];
    expect(p).toEqual(l);
    expect(p).toEqual([
      expect.objectContaining({
        namespace: "EleganceOps",
        dimensions: [["Task"]],
        task: "backup-drill",
        drillOk: 1,
        heartbeat: 1,
      }),
    ]);
  });
});
