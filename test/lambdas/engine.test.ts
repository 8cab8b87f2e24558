// The check-list engine, end to end on the real S3-protocol server: results, run record,
// incidents (SNS mocked: a control-plane call) and EMF metrics.
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { FINISH_MARGIN_MS, NOT_RUN_SUMMARY, runChecklist } from "../../lambdas/checklist/engine";
import { SnsIncidentSink, TerminalIncidentSink } from "../../lambdas/checklist/incidents";
import type { Check } from "../../lambdas/core/check";
import type { IncidentMessage } from "../../lambdas/core/contract";
import { DEFAULT_INPUTS, TaskInputs } from "../../lambdas/core/inputs";
import { emfMetrics } from "../../lambdas/core/emf";
import { noMetrics } from "../../lambdas/core/metrics";
import { captureEmf } from "../support/emf";
import { startS3, TestS3 } from "../support/s3";

const BUCKET = "logs";
const TOPICS = {
  "1": "arn:aws:sns:eu-west-3:123456789012:l1",
  "2": "arn:aws:sns:eu-west-3:123456789012:l2",
  "3": "arn:aws:sns:eu-west-3:123456789012:l3",
};
let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket(BUCKET);
});
afterAll(() => s3?.stop());

const inputs = (over: Partial<TaskInputs> = {}): TaskInputs => ({
  ...DEFAULT_INPUTS,
  checkLevels: {},
  taskName: "daily-checklist",
  logsBucket: BUCKET,
  ...over,
});

// `app-health` and `database-reachable` are catalogue ids (their levels and runbooks apply); the others are not.
const checks: Check[] = [
  {
    id: "app-health",
    title: "throws",
    run: async () => {
      throw new Error("socket hang up");
    },
  },
  {
    id: "database-reachable",
    title: "hangs",
    timeoutMs: 200,
    run: (ctx) =>
      new Promise((resolve) =>
        ctx.signal.addEventListener("abort", () => resolve({ status: "ok", summary: "too late" })),
      ),
  },
  { id: "passes", title: "passes", run: async () => ({ status: "ok", summary: "fine", metrics: { n: 1 } }) },
  {
    id: "warns",
    title: "warns",
    run: async () => ({ status: "warn", summary: "getting close", details: [{ table: "rides", deadTuples: 12000 }] }),
  },
];

describe("runChecklist", () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset().on(PublishCommand).resolves({ MessageId: "m" }));

  it("runs every check: a throw and a timeout become fails, the others still run; record, incidents and metrics follow", async () => {
    const { result: record, records } = await captureEmf(() =>
      runChecklist("daily", {
        inputs: inputs({ checkLevels: { "daily.database-reachable": { fail: 3 } } }),
        incidents: new SnsIncidentSink(TOPICS, new SNSClient({ region: "eu-west-3" })),
        metrics: emfMetrics(),
        s3: s3.client,
        checks,
      }),
    );

    expect(record.status).toBe("fail");
    expect(record.results.map((r) => [r.id, r.status, r.level])).toEqual([
      ["app-health", "fail", 2],
      ["database-reachable", "fail", 3],
      ["passes", "ok", undefined],
      ["warns", "warn", 1],
    ]);
    expect(record.results[0].summary).toBe("threw: socket hang up");
    expect(record.results[1].summary).toBe("timed out after 200 ms");
    expect(record.incidentErrors).toEqual([]);

    // The record in the bucket holds every result.
    expect(record.recordKey).toMatch(/^reports\/checklists\/daily\/\d{4}-\d{2}-\d{2}\.json$/);
    const stored = JSON.parse(
      await (
        await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: record.recordKey }))
      ).Body!.transformToString(),
    );
    expect(stored.results.map((r: { id: string; status: string }) => `${r.id}:${r.status}`)).toEqual([
      "app-health:fail",
      "database-reachable:fail",
      "passes:ok",
      "warns:warn",
    ]);
    expect(stored.results[3].details).toEqual([{ table: "rides", deadTuples: 12000 }]);

    // One incident per warn/fail, on its level's topic.
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published.map((p) => p.TopicArn)).toEqual([TOPICS["2"], TOPICS["3"], TOPICS["1"]]);
    // One message per channel: the JSON the forwarders parse, the page by e-mail, one segment by SMS.
    expect(published.every((p) => p.MessageStructure === "json")).toBe(true);
    const messages = published.map(
      (p) => JSON.parse(p.Message!) as Record<"default" | "email" | "sms" | "lambda", string>,
    );
    const bodies = messages.map((m) => JSON.parse(m.lambda) as IncidentMessage);
    expect(messages[1].default).toBe(messages[1].lambda);
    expect(messages[1].email).toBe(bodies[1].page);
    expect(messages[1].sms).toMatch(
      /^N3 elegance-mobilite: database-reachable en echec \(daily\): timed out after 200 ms depuis \d\d:\d\d - runbook: voir e-mail$/,
    );
    expect(bodies.map((b) => [b.check, b.status, b.level, b.responseTime, b.domain])).toEqual([
      ["app-health", "fail", 2, "< 1 h", "app"],
      ["database-reachable", "fail", 3, "< 15 min", "database"],
      ["warns", "warn", 1, "< 4 h", "platform"],
    ]);
    expect(published[1].Subject).toBe("[L3 <15min] elegance-mobilite/daily/database-reachable: fail");
    expect(bodies[1].page).toContain("Niveau 3 (urgence), réponse < 15 min");
    expect(bodies[1].page).toContain("timed out after 200 ms");
    expect(bodies[1].page).toMatch(/Runbook:\n1\. Supabase Dashboard/);
    expect(bodies[0].dedupKey).toBe("elegance-mobilite/daily/app-health");

    // EMF: the heartbeat of the task only (per-status counts stay in the run record, not in paid metrics).
    expect(records).toEqual([
      {
        namespace: "EleganceOps",
        dimensions: { Task: "daily-checklist" },
        metrics: { Heartbeat: 1 },
        units: { Heartbeat: "Count" },
      },
    ]);
  });

  it("keeps the record and the other incidents when a publish fails, and reports the failure", async () => {
    sns
      .reset()
      .on(PublishCommand)
      .resolves({ MessageId: "m" })
      .on(PublishCommand, { TopicArn: TOPICS["2"] })
      .rejects(new Error("KMS key disabled"));
    const record = await runChecklist("daily", {
      inputs: inputs(),
      incidents: new SnsIncidentSink(TOPICS, new SNSClient({ region: "eu-west-3" })),
      metrics: noMetrics,
      s3: s3.client,
      checks,
    });
    expect(record.incidentErrors).toEqual([
      "elegance-mobilite/daily/app-health: KMS key disabled",
      "elegance-mobilite/daily/database-reachable: KMS key disabled",
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(3);
    expect(record.results).toHaveLength(4);
    // A second run the same day gets its own record instead of overwriting the first.
    expect(record.recordKey).toMatch(/^reports\/checklists\/daily\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.json$/);
  });

  it("prints incidents on the terminal for local runs, once each", async () => {
    const printed: string[] = [];
    const sink = new TerminalIncidentSink((t) => printed.push(t));
    const record = await runChecklist("daily", {
      inputs: inputs({ logsBucket: undefined }),
      incidents: sink,
      metrics: noMetrics,
      checks,
    });
    expect(record.recordKey).toBeUndefined();
    expect(sink.raised.map((i) => i.check)).toEqual(["app-health", "database-reachable", "warns"]);
    expect(printed).toHaveLength(3);
    expect(printed[2]).toContain("[L1 <4h] elegance-mobilite/daily/warns: warn");
  });

  it("budgets a run from the invocation's remaining time: checks that overrun are cut, the rest marked not run, and record, incidents and heartbeat still go out", async () => {
    // The invocation has the finishing margin and 1.5 s more: the first check gets only that.
    const deadline = Date.now() + FINISH_MARGIN_MS + 1500;
    const hang = (id: string): Check => ({
      id,
      title: id,
      timeoutMs: 60_000,
      run: (ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve({ status: "ok", summary: "too late" })),
        ),
    });
    const overrunning = [
      hang("app-health"),
      hang("database-reachable"),
      { id: "passes", title: "passes", run: async () => ({ status: "ok" as const, summary: "fine" }) },
    ];
    // A bucket of its own: the first record of the day, at the plain key.
    await s3.createBucket("logs-deadline");
    const began = Date.now();
    const { result: record, records } = await captureEmf(() =>
      runChecklist("daily", {
        inputs: inputs({ logsBucket: "logs-deadline" }),
        incidents: new SnsIncidentSink(TOPICS, new SNSClient({ region: "eu-west-3" })),
        metrics: emfMetrics(),
        s3: s3.client,
        checks: overrunning,
        remainingMs: () => deadline - Date.now(),
      }),
    );
    // Done well within the invocation: the margin is left for the record, metrics and pages.
    expect(Date.now() - began).toBeLessThan(3000);
    expect(record.results.map((r) => [r.id, r.status, r.summary])).toEqual([
      ["app-health", "fail", expect.stringMatching(/^timed out after \d+ ms \(the run's remaining time\)$/)],
      ["database-reachable", "fail", NOT_RUN_SUMMARY],
      ["passes", "fail", NOT_RUN_SUMMARY],
    ]);
    expect(record.recordKey).toMatch(/^reports\/checklists\/daily\/\d{4}-\d{2}-\d{2}\.json$/);
    const stored = JSON.parse(
      await (
        await s3.client.send(new GetObjectCommand({ Bucket: "logs-deadline", Key: record.recordKey }))
      ).Body!.transformToString(),
    );
    expect(stored.results.map((r: { id: string; summary: string }) => `${r.id}:${r.summary}`)).toEqual([
      `app-health:${record.results[0].summary}`,
      `database-reachable:${NOT_RUN_SUMMARY}`,
      `passes:${NOT_RUN_SUMMARY}`,
    ]);
    const incidents = sns
      .commandCalls(PublishCommand)
      .map((c) => JSON.parse(JSON.parse(c.args[0].input.Message!).lambda) as IncidentMessage);
    expect(incidents.map((i) => [i.check, i.status, i.summary])).toEqual([
      ["app-health", "fail", record.results[0].summary],
      ["database-reachable", "fail", NOT_RUN_SUMMARY],
      ["passes", "fail", NOT_RUN_SUMMARY],
    ]);
    expect(records).toContainEqual({
      namespace: "EleganceOps",
      dimensions: { Task: "daily-checklist" },
      metrics: { Heartbeat: 1 },
      units: { Heartbeat: "Count" },
    });
    expect(records.filter((r) => "Checklist" in r.dimensions)).toEqual([]);
  });
});
