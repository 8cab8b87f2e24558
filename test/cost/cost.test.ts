// The cost of the current plan, pinned: a change that adds cost shows here, in review.
import { readFileSync } from "fs";
import * as path from "path";
import { costPlan, smsParts } from "../../bin/cost";
import {
  ASSUMPTIONS,
  customMetrics,
  estimate,
  HOURS_PER_MONTH,
  metricMonths,
  runsPerMonth,
  totals,
  type PriceTable,
  type SmsPaging,
} from "../../bin/cost-model";
import { alarmSms, gsm7Length } from "../../lambdas/paging/sms";
import type { Plan } from "../../infra/plan";

jest.setTimeout(120_000);

let plan: Plan;
let app: string;
let table: PriceTable;
let sms: SmsPaging;
beforeAll(async () => {
  ({ plan, app, table, sms } = await costPlan());
});

const within10 = (value: number, pinned: number) => expect(Math.abs(value - pinned) / pinned).toBeLessThanOrEqual(0.1);

test("the plan's monthly estimate stays within ±10 % of the pinned one (update it with the README's output when the plan changes on purpose)", () => {
  const { total, afterFree, largest } = totals(estimate(plan, app, table, sms));
  within10(total, 9.82);
  within10(afterFree, 6.64);
  expect(total).toBeLessThanOrEqual(10);
  expect(largest.map((i) => `${i.service} ${i.item}`)).toEqual([
    "S3 logs PUT of the deliveries (1,000): app and access objects",
    "CloudWatch alarms",
    "Secrets Manager secrets",
  ]);
});

test("every price has a unit, a source and a date; every item is priced from the table", () => {
  const data = JSON.parse(
    readFileSync(path.join(__dirname, "..", "..", "cost", `prices.${table.region}.json`), "utf8"),
  ) as PriceTable;
  for (const [name, p] of Object.entries(data.prices)) {
    expect({
      name,
      ok: p.usd > 0 && !!p.per && /^https:\/\/aws\.amazon\.com\//.test(p.source) && /^\d{4}-\d\d-\d\d$/.test(p.date),
    }).toEqual({ name, ok: true });
  }
  for (const item of estimate(plan, app, table, sms)) expect(data.prices).toHaveProperty([item.price]);
});

test("counts come from the plan: alarms, secrets, the metric filters and the schedules' runs", () => {
  const items = estimate(plan, app, table, sms);
  const count = (type: string) => plan.resources.filter((r) => r.type === type).length;
  expect(items.find((i) => i.item === "alarms")!.quantity).toBe(count("aws:cloudwatch/metricAlarm:MetricAlarm"));
  expect(items.find((i) => i.item === "secrets")!.quantity).toBe(count("aws:secretsmanager/secret:Secret"));
  // Filters are free; the metrics they count into are priced (twelve filters, two metrics).
  const filterMetrics = plan.resources
    .filter((r) => r.type === "aws:cloudwatch/logMetricFilter:LogMetricFilter")
    .map((f) => f.inputs.metricTransformation.name);
  expect(customMetrics(plan, app).filter((m) => m.name.startsWith("metric filter ")).length).toBe(
    new Set(filterMetrics).size,
  );
  expect([filterMetrics.length, new Set(filterMetrics).size]).toEqual([12, 2]);
  expect(runsPerMonth("rate(1 minute)")).toBeCloseTo(43_833.6, 0);
  expect(runsPerMonth("cron(0 8 ? * MON *)")).toBeCloseTo(4.35, 2);
  expect(runsPerMonth("cron(0 3 1 * ? *)")).toBe(1);
  expect(() => runsPerMonth("at(2026-12-24T10:00:00)")).toThrow(
    /at\(2026-12-24T10:00:00\): not a rate\(\) or cron\(\)/,
  );
});

test("free allowances only lower the bill, and each is spent once", () => {
  const items = estimate(plan, app, table, sms);
  for (const i of items) expect(i.usdAfterFree).toBeLessThanOrEqual(i.usd + 1e-9);
  // Fewer than the 10 free metric-months: the free tier covers them all.
  const metrics = items.find((i) => i.item === "custom metrics (metric-hours / 730)")!;
  expect(metrics.quantity).toBeLessThan(10);
  expect(metrics).toMatchObject({ usdAfterFree: 0 });
});

test("custom metrics are billed by the hours they are sent in, from the schedule of the function that sends them", () => {
  expect(table.prices["cloudwatch.metric"].quote).toBe(
    "All custom metrics charges are prorated by the hour and metered only when you send metrics to CloudWatch.",
  );
  const hours = Object.fromEntries(customMetrics(plan, app).map((m) => [m.name, m.hours]));
  // The probe runs every minute: every hour. The daily list and the backup: one hour a day. The drill: weekly.
  expect(hours["Up, Latency (App)"]).toBe(HOURS_PER_MONTH);
  expect(hours["RequestDuration (App)"]).toBe(HOURS_PER_MONTH);
  // Error counts go out only with a delivery that has some.
  expect(hours["LogErrorLines, Http5xxResponses (App)"]).toBe(ASSUMPTIONS.appErrorHoursPerMonth);
  expect(hours["business metrics (App: daily list)"]).toBeCloseTo(30.44, 2);
  expect(hours["BackupBytes, BackupSeconds (Task)"]).toBeCloseTo(30.44, 2);
  expect(hours["DrillSeconds, DrillOk (Task)"]).toBeCloseTo(4.35, 2);
  expect(metricMonths([{ name: "a daily series", series: 8, hours: 30.44 }])).toBeCloseTo((8 * 30.44) / 730, 6);
  const line = estimate(plan, app, table, sms).find((i) => i.price === "cloudwatch.metric")!;
  expect(line.quantity).toBeCloseTo(metricMonths(customMetrics(plan, app)), 6);
});

test("SMS are priced as the formatter writes them: one GSM-7 part to each level-3 number", () => {
  // The longest level-3 page the stack sends: the app-down alarm with a long reason, an accent and a runbook link.
  const text = alarmSms(
    {
      AlarmName: `${app}-app-down`,
      AlarmDescription: `Niveau 3 (urgence), réponse < 15 min (Service inaccessible). ${"L'application ne répond plus à /api/health, ni en écriture ni en lecture ; ".repeat(4)}\nRunbook:\n1. …`,
      NewStateValue: "ALARM",
      StateChangeTime: "2026-12-02T06:13:01.000+0000",
    },
    3,
    app,
    `https://${"o".repeat(40)}.elegance-mobilite.fr/rb`,
  )!;
  const septets = gsm7Length(text);
  expect(septets).toBeDefined();
  expect(smsParts(septets!)).toBe(1);
  expect(sms).toEqual({ numbers: 3, parts: 1 });
  expect(smsParts(161)).toBe(2);
  const line = estimate(plan, app, table, sms).find((i) => i.price === "sns.smsFrancePart")!;
  expect(line).toMatchObject({ item: "SMS to France: 4 level-3 pages × 3 numbers × 1 part", quantity: 12 });
});
