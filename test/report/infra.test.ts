// The export, the report, the Athena table and the dashboard under Pulumi mocks; SES only when configured.
import { BUSINESS_METRIC, ENV, METRIC, METRICS_NAMESPACE } from "../../lambdas/core/contract";
import { dashboardWidgets } from "../../infra/dashboard";
import { find, ofType, Plan, planStack, problemsOf, prodRawConfig } from "../support/pulumi";

type Statement = { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown };
const statementsOf = (plan: Plan, name: string): Statement[] =>
  JSON.parse(find(plan, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement;

let plan: Plan;
let withSes: Plan;
beforeAll(async () => {
  plan = await planStack();
  withSes = await planStack((raw) => {
    raw["elegance-ops:reports"] = JSON.stringify({
      ses: { domain: "elegance-mobilite.fr", from: "rapports@elegance-mobilite.fr" },
    });
  });
}, 240_000);

describe("the metrics export and the weekly report", () => {
  it("schedules the export daily and the report on Monday after the weekly list, each with its handler", () => {
    expect(
      find(plan, "aws:scheduler/schedule:Schedule", "elegance-mobilite-metrics-export-schedule").inputs,
    ).toMatchObject({ scheduleExpression: "cron(30 2 * * ? *)", scheduleExpressionTimezone: "Europe/Paris" });
    expect(
      find(plan, "aws:scheduler/schedule:Schedule", "elegance-mobilite-weekly-report-schedule").inputs,
    ).toMatchObject({ scheduleExpression: "cron(0 9 ? * MON *)" });
    const fn = find(plan, "aws:lambda/function:Function", "elegance-mobilite-weekly-report").inputs;
    expect(fn.description).toContain("lambdas/handlers/weekly-report.ts");
    expect(fn.environment.variables).toMatchObject({
      [ENV.logsBucket]: plan.outputs.logsBucket,
      [ENV.uptimeThresholds]: expect.any(String),
    });
    expect(fn.environment.variables[ENV.reportFrom]).toBeUndefined();
  });

  it("lets the export write only under metrics/ and the report write only under reports/weekly/", () => {
    const bucket = `arn:aws:s3:::${plan.outputs.logsBucket}`;
    const exportWrite = statementsOf(plan, "elegance-mobilite-metrics-export-policy").find((s) => s.Sid === "Write")!;
    expect(exportWrite.Resource).toEqual([`${bucket}/metrics/*`]);
    const report = statementsOf(plan, "elegance-mobilite-weekly-report-policy");
    expect(report.find((s) => s.Sid === "Write")!.Resource).toEqual([`${bucket}/reports/weekly/*`]);
    expect(report.find((s) => s.Sid === "Read")!.Resource).toEqual([
      `${bucket}/metrics/*`,
      `${bucket}/reports/checklists/*`,
    ]);
    expect(report.find((s) => s.Sid === "MailReport")).toBeUndefined();
  });

  it("creates the SES identity, the recipients' secret and the DKIM outputs only when reports.ses is set", () => {
    expect(ofType(plan, "aws:sesv2/emailIdentity:EmailIdentity")).toHaveLength(0);
    expect(
      find(withSes, "aws:sesv2/emailIdentity:EmailIdentity", "elegance-mobilite-email-identity").inputs.emailIdentity,
    ).toBe("elegance-mobilite.fr");
    const fn = find(withSes, "aws:lambda/function:Function", "elegance-mobilite-weekly-report").inputs.environment
      .variables;
    expect(fn[ENV.reportFrom]).toBe("rapports@elegance-mobilite.fr");
    expect(fn[ENV.reportRecipientsSecretArn]).toMatch(/^arn:aws:secretsmanager:/);
    expect(
      statementsOf(withSes, "elegance-mobilite-weekly-report-policy").find((s) => s.Sid === "MailReport"),
    ).toMatchObject({
      Action: "ses:SendEmail",
      Condition: { StringEquals: { "ses:FromAddress": "rapports@elegance-mobilite.fr" } },
    });
    expect(withSes.outputs).toHaveProperty("reportDkimRecords");
  });

  it("refuses a sender outside the SES domain, naming the key", () => {
    const raw = prodRawConfig();
    raw["elegance-ops:reports"] = JSON.stringify({
      ses: { domain: "elegance-mobilite.fr", from: "rapports@gmail.com" },
    });
    expect(problemsOf(raw).join("\n")).toMatch(/reports\.ses\.from.*not an address of reports\.ses\.domain/);
  });
});

describe("the Athena table over the export", () => {
  it("is a Glue table over metrics/ with partition projection on the day, and a workgroup whose results expire", () => {
    const table = find(plan, "aws:glue/catalogTable:CatalogTable", "elegance-mobilite-metrics-table").inputs;
    expect(table.partitionKeys).toEqual([{ name: "dt", type: "string" }]);
    expect(table.parameters).toMatchObject({
      "projection.enabled": "true",
      "projection.dt.type": "date",
      "projection.dt.format": "yyyy/MM/dd",
      "storage.location.template": `s3://${plan.outputs.logsBucket}/metrics/\${dt}/`,
    });
    expect(table.storageDescriptor.columns.map((c: { name: string }) => c.name)).toEqual([
      "namespace",
      "metric",
      "dimensions",
      "stat",
      "period",
      "time",
      "value",
    ]);
    const workgroup = find(plan, "aws:athena/workgroup:Workgroup", "elegance-mobilite-metrics-workgroup").inputs;
    expect(workgroup.configuration.enforceWorkgroupConfiguration).toBe(true);
    expect(workgroup.configuration.resultConfiguration.outputLocation).toMatch(/^s3:\/\/.+\/results\/$/);
    const lifecycle = find(
      plan,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "elegance-mobilite-metrics-athena-results-lifecycle",
    ).inputs;
    expect(lifecycle.rules[0]).toMatchObject({ status: "Enabled", expiration: { days: 7 } });
  });
});

describe("the dashboard", () => {
  it("is created with the stack's metrics", () => {
    const body = JSON.parse(
      find(plan, "aws:cloudwatch/dashboard:Dashboard", "elegance-mobilite-maintenance").inputs.dashboardBody,
    );
    expect(body.widgets.length).toBeGreaterThan(10);
    expect(body.widgets.find((w: { type: string }) => w.type === "alarm").properties.alarms.length).toBeGreaterThan(5);
  });

  it("names no metric of the stack's namespace that nothing emits", () => {
    const emitted = new Set<string>([...Object.values(METRIC), ...Object.values(BUSINESS_METRIC)]);
    const widgets = dashboardWidgets({
      app: "elegance-mobilite",
      region: "eu-west-3",
      tasks: ["daily-checklist"],
      functionNames: ["f"],
      alarmArns: [],
    });
    const named = widgets.flatMap((w) =>
      ((w.properties.metrics as unknown[][]) ?? [])
        .filter((m) => m[0] === METRICS_NAMESPACE)
        .map((m) => m[1] as string),
    );
    // Up, Latency, backups and the business metrics (check-list counts and heartbeats are not metrics any more).
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((m) => !emitted.has(m))).toEqual([]);
    // And the check itself catches a misspelt name.
    expect(["Latencyy"].filter((m) => !emitted.has(m))).toEqual(["Latencyy"]);
  });
});
