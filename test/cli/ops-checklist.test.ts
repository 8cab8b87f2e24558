// `npm run ops -- checklist run daily --json`, as an operator types it, against the test bed's
// PostgreSQL, a loopback app and the S3-protocol server.
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { useFreshDatabase } from "../support/db";
import { startHttpServer, TestServer } from "../support/http";
import { startS3, TestS3 } from "../support/s3";
import { ops } from "./support";

describe("ops checklist run", () => {
  const db = useFreshDatabase();
  let app: TestServer;
  let s3: TestS3;
  let healthy = true;
  beforeAll(async () => {
    app = await startHttpServer((_req, res) =>
      res.writeHead(healthy ? 200 : 503).end(healthy ? '{"status":"ok"}' : '{"status":"down"}'),
    );
    s3 = await startS3();
    await s3.createBucket("logs");
    await s3.createBucket("backups");
  });
  afterAll(async () => {
    await app?.close();
    await s3?.stop();
  });

  it("runs the daily list and prints the record as JSON; the record lands in the logs bucket", async () => {
    healthy = true;
    // The night's backup first, so the daily backup check has one to verify.
    expect((await ops(["backup", "--backups-bucket", "backups"], { ...s3.env, DATABASE_URL: db().url })).code).toBe(0);
    // No Vercel log drain delivers into this bucket (the stack file's drain would make app-logs warn: nothing received).
    const { code, stdout, stderr } = await ops(
      [
        "checklist",
        "run",
        "daily",
        "--json",
        "--app-url",
        app.url,
        "--logs-bucket",
        "logs",
        "--backups-bucket",
        "backups",
      ],
      { ...s3.env, DATABASE_URL: db().url, LOG_DRAIN_ENABLED: "false" },
    );
    // Nothing went wrong, so nothing was raised (stderr may hold Node's own deprecation notices).
    expect(stderr).not.toMatch(/incident|ops:/);
    expect(code).toBe(0);
    const record = JSON.parse(stdout);
    expect(record.list).toBe("daily");
    expect(record.results.map((r: { id: string; status: string }) => `${r.id}:${r.status}`)).toEqual([
      "app-logs:ok",
      "app-health:ok",
      "database-reachable:ok",
      "checklist-freshness:ok",
      "backups:ok",
      "vacuum:ok",
      "wraparound:ok",
      "sequences:ok",
      "activity:ok",
      "primary-keys:ok",
      "replication-slots:ok",
      "business-metrics:ok",
      "db-activity-sample:ok",
    ]);
    expect(app.requests.at(-1)!.url).toBe("/api/health");
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: "logs", Prefix: "reports/checklists/daily/" }),
    );
    expect(listed.Contents!.map((o) => o.Key)).toEqual([record.recordKey]);
  });

  it("exits 1 on a failing check and prints the incident with its level and runbook on stderr", async () => {
    healthy = false;
    const { code, stdout, stderr } = await ops(["checklist", "run", "daily"], {
      ...s3.env,
      APP_URL: app.url,
      LOGS_BUCKET: "logs",
      BACKUPS_BUCKET: "backups",
      DATABASE_URL: db().url,
    });
    expect(code).toBe(1);
    expect(stdout).toContain("check-list daily: FAIL");
    expect(stdout).toMatch(/app-health\s*│ FAIL\s*│ L2/);
    expect(stderr).toContain("[L2 <1h] elegance-mobilite/daily/app-health: fail");
    expect(stderr).toContain("Niveau 2 (majeur), réponse < 1 h");
  });

  it("names the flag and the variable of a missing input, in one line, exit 2", async () => {
    const { code, stderr } = await ops(["checklist", "run", "daily", "--app-url", app.url], { ...s3.env });
    expect(code).toBe(2);
    expect(stderr.replace(/^npm warn.*\n/gm, "").trim()).toBe(
      "ops: missing --database-url (or the DATABASE_URL environment variable): postgresql:// URL of the database (direct or session-mode connection)",
    );
  });

  it("rejects an unknown list with the choices", async () => {
    const { code, stderr } = await ops(["checklist", "run", "hourly"], {});
    expect(code).toBe(2);
    expect(stderr).toContain("Allowed choices are daily, weekly, monthly");
  });
});
