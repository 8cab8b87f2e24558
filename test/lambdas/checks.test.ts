// The checks of issue 3 against real servers: the test bed's PostgreSQL, the S3-protocol
// server; CloudWatch (control plane) mocked.
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { CHECKLISTS, CHECKLIST_NAMES } from "../../lambdas/checklist/catalog";
import { loadChecks, runCheck } from "../../lambdas/checklist/engine";
import { checklistFreshness } from "../../lambdas/checks/checklist-freshness";
import { databaseReachable } from "../../lambdas/checks/database-reachable";
import { maskUrl } from "../../lambdas/core/url";
import { lambdaRuntime } from "../../lambdas/checks/lambda-runtime";
import { uptimeCheck } from "../../lambdas/checks/uptime";
import { DEFAULT_INPUTS, TaskInputs } from "../../lambdas/core/inputs";
import { emfMetrics } from "../../lambdas/core/emf";
import { noMetrics } from "../../lambdas/core/metrics";
import { useFreshDatabase } from "../support/db";
import { captureEmf } from "../support/emf";
import { startS3, TestS3 } from "../support/s3";

const inputs = (over: Partial<TaskInputs> = {}): TaskInputs => ({
  ...DEFAULT_INPUTS,
  checkLevels: {},
  taskName: "t",
  ...over,
});
const ctx = (over: Partial<TaskInputs> = {}, now = new Date()) => ({ inputs: inputs(over), now, metrics: noMetrics });

describe("the catalogue's code", () => {
  it("loads, for every entry of every list, the check of the same id", async () => {
    for (const list of CHECKLIST_NAMES) {
      const checks = await loadChecks(CHECKLISTS[list]);
      expect(checks.map((c) => c.id)).toEqual(CHECKLISTS[list].map((c) => c.id));
      for (const check of checks) expect(typeof check.run).toBe("function");
    }
  });

  it("refuses an entry whose code is another check", async () => {
    const [first, second] = CHECKLISTS.daily;
    await expect(loadChecks([{ ...first, check: second.check }])).rejects.toThrow(
      `catalogue entry ${first.id} loads check ${second.id}`,
    );
  });

  it("gives every id once across the lists (levels and runbooks are looked up by id)", () => {
    const ids = CHECKLIST_NAMES.flatMap((l) => CHECKLISTS[l].map((c) => c.id));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("database-reachable", () => {
  const db = useFreshDatabase();

  it("reports version, size and connections of the real server", async () => {
    const result = await runCheck(databaseReachable, ctx({ databaseUrl: async () => db().url }));
    expect(result.status).toBe("ok");
    expect(result.summary).toMatch(/answers: PostgreSQL 15\.\d+, [\d.]+ MB, \d+\/\d+ connections/);
    expect(result.details).toMatchObject({ database: db().name, serverVersion: expect.stringMatching(/^15\./) });
    expect(result.metrics!.databaseSizeBytes).toBeGreaterThan(1_000_000);
  });

  it("fails on a wrong password without ever printing it", async () => {
    const url = new URL(db().url);
    url.password = "not-the-password-42";
    const result = await runCheck(databaseReachable, ctx({ databaseUrl: async () => url.toString() }));
    expect(result.status).toBe("fail");
    expect(result.summary).toMatch(
      /^database unreachable \(auth\): cannot connect to postgres(ql)?:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\S+: password authentication failed/,
    );
    expect(JSON.stringify(result)).not.toContain("not-the-password-42");
  });

  it("masks passwords", () => {
    expect(maskUrl("postgresql://u:s3cret@h:5432/d")).toBe("postgresql://u:***@h:5432/d");
    expect(maskUrl("::not a url::")).toBe("<unparseable database URL>");
  });
});

describe("lambda-runtime", () => {
  const at = (iso: string, env?: string) => runCheck(lambdaRuntime, ctx({ executionEnv: env }, new Date(iso)));

  it("is ok far from the end of support, warns within 180 days, fails past it or when unknown", async () => {
    expect(await at("2026-11-24T00:00:00Z", "AWS_Lambda_nodejs24.x")).toMatchObject({
      status: "ok",
      details: { endOfSupport: "2028-04-30" },
    });
    expect(await at("2027-12-01T00:00:00Z", "AWS_Lambda_nodejs24.x")).toMatchObject({ status: "warn" });
    expect(await at("2026-11-24T00:00:00Z", "AWS_Lambda_nodejs20.x")).toMatchObject({
      status: "fail",
      summary: expect.stringContaining("reached end of support on 2026-04-30"),
    });
    expect(await at("2026-11-24T00:00:00Z", "AWS_Lambda_nodejs12.x")).toMatchObject({
      status: "fail",
      summary: expect.stringContaining("no known end-of-support date"),
    });
  });

  it("outside Lambda, judges the runtime infra/ deploys", async () => {
    expect(await at("2026-11-24T00:00:00Z")).toMatchObject({ details: { runtime: "nodejs24.x (deployed by infra/)" } });
  });
});

describe("uptime", () => {
  const cloudwatch = mockClient(CloudWatchClient);
  const check = uptimeCheck(() => new CloudWatchClient({ region: "eu-west-3" }));
  const answer = (up: number, samples: number, p95?: number) =>
    cloudwatch
      .reset()
      .on(GetMetricDataCommand)
      .resolves({
        MetricDataResults: [
          { Id: "up", Values: samples ? [up] : [] },
          { Id: "samples", Values: samples ? [samples] : [] },
          { Id: "p95", Values: p95 === undefined ? [] : [p95] },
        ],
      });

  it("asks CloudWatch for the probe's week, and grades availability and p95", async () => {
    answer(10080, 10080, 420);
    expect(await runCheck(check, ctx())).toMatchObject({
      status: "ok",
      summary: "availability 100.000% over 10080 probed minutes, p95 420 ms",
    });
    const query = cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(query.MetricDataQueries!.map((q) => [q.MetricStat!.Metric!.MetricName, q.MetricStat!.Stat])).toEqual([
      ["Up", "Sum"],
      ["Up", "SampleCount"],
      ["Latency", "p95"],
    ]);
    expect(query.MetricDataQueries![0].MetricStat!.Metric!.Dimensions).toEqual([
      { Name: "App", Value: "elegance-mobilite" },
    ]);

    answer(10060, 10080, 420);
    expect(await runCheck(check, ctx())).toMatchObject({ status: "warn" });
    answer(9000, 10080, 420);
    expect(await runCheck(check, ctx())).toMatchObject({
      status: "fail",
      summary: expect.stringContaining("below 99%"),
    });
    answer(10080, 10080, 2400);
    expect(await runCheck(check, ctx())).toMatchObject({
      status: "warn",
      summary: expect.stringContaining("p95 above 1500 ms"),
    });
    answer(0, 0);
    expect(await runCheck(check, ctx())).toMatchObject({
      status: "fail",
      summary: "no probe data this week: the health probe is not running",
    });
  });
});

describe("checklist-freshness", () => {
  let s3: TestS3;
  let bucket = 0;
  beforeAll(async () => (s3 = await startS3()));
  afterAll(() => s3?.stop());
  async function bucketWith(keys: string[]) {
    const name = `logs-${++bucket}`;
    await s3.createBucket(name);
    for (const key of keys) await s3.client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: "{}" }));
    return name;
  }
  const check = checklistFreshness(() => s3.client);
  const HOUR = 3_600_000;
  const run = async (logsBucket: string, hoursLater: number) =>
    captureEmf(() =>
      runCheck(check, {
        inputs: inputs({ logsBucket }),
        now: new Date(Date.now() + hoursLater * HOUR),
        metrics: emfMetrics(),
      }),
    );

  it("is ok while both lists, the restore drill and the weekly report ran within their period, and emits no metric", async () => {
    const name = await bucketWith([
      "reports/checklists/daily/2026-11-01.json",
      "reports/checklists/weekly/2026-11-23.json",
      "reports/checklists/monthly/2026-11-01.json",
      "reports/backups/drills/2026-11-23.json",
      "reports/weekly/2026-W48.json",
    ]);
    const { result, records } = await run(name, 48);
    expect(result).toMatchObject({
      status: "ok",
      summary: "weekly ran 48 h ago; monthly ran 48 h ago; backup-drill ran 48 h ago; weekly-report ran 48 h ago",
    });
    // Its failure pages (the dead man's switch of the weekly and monthly tasks): no paid metric needed.
    expect(records).toEqual([]);
  });

  it("fails when the weekly run is overdue", async () => {
    const name = await bucketWith([
      "reports/checklists/weekly/2026-11-01.json",
      "reports/checklists/monthly/2026-11-01.json",
    ]);
    const { result } = await run(name, 200);
    expect(result.status).toBe("fail");
    expect(result.summary).toContain("weekly last ran 200 h ago (reports/checklists/weekly/2026-11-01.json)");
  });

  it("with no run yet: ok on a young stack, fail once the daily list has run longer than a period", async () => {
    const name = await bucketWith(["reports/checklists/daily/2026-11-01.json"]);
    expect((await run(name, 24)).result).toMatchObject({
      status: "ok",
      summary:
        "weekly has no run recorded yet (not due); monthly has no run recorded yet (not due); backup-drill has no run recorded yet (not due); weekly-report has no run recorded yet (not due)",
    });
    const late = await run(name, 200);
    expect(late.result).toMatchObject({
      status: "fail",
      summary:
        "weekly never ran, and the daily list has run for 200 h: a weekly run was due; backup-drill never ran, and the daily list has run for 200 h: a backup-drill run was due; weekly-report never ran, and the daily list has run for 200 h: a weekly-report run was due",
    });
  });
});
