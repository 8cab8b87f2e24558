// The cost of the current plan, pinned: a change that adds cost shows here, in review.
import { readFileSync } from "fs";
import * as path from "path";
import { costPlan } from "../../bin/cost";
import { customMetrics, estimate, runsPerMonth, totals, type PriceTable } from "../../bin/cost-model";
import type { Plan } from "../../infra/plan";

jest.setTimeout(120_000);

let plan: Plan;
let app: string;
let table: PriceTable;
beforeAll(async () => {
  ({ plan, app, table } = await costPlan());
});

const within10 = (value: number, pinned: number) => expect(Math.abs(value - pinned) / pinned).toBeLessThanOrEqual(0.1);

test("the plan's monthly estimate stays within ±10 % of the pinned one (update it with the README's output when the plan changes on purpose)", () => {
  const { total, afterFree, largest } = totals(estimate(plan, app, table));
  within10(total, 23.3);
  within10(afterFree, 18.2);
  expect(largest.map((i) => `${i.service} ${i.item}`)).toEqual([
    "CloudWatch custom metrics",
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
  for (const item of estimate(plan, app, table)) expect(data.prices).toHaveProperty([item.price]);
});

test("counts come from the plan: alarms, secrets, the metric filters and the schedules' runs", () => {
  const items = estimate(plan, app, table);
  const count = (type: string) => plan.resources.filter((r) => r.type === type).length;
  expect(items.find((i) => i.item === "alarms")!.quantity).toBe(count("aws:cloudwatch/metricAlarm:MetricAlarm"));
  expect(items.find((i) => i.item === "secrets")!.quantity).toBe(count("aws:secretsmanager/secret:Secret"));
  expect(customMetrics(plan, app).find((m) => m.name === "security metric filters")!.series).toBe(
    count("aws:cloudwatch/logMetricFilter:LogMetricFilter"),
  );
  expect(runsPerMonth("rate(1 minute)")).toBeCloseTo(43_833.6, 0);
  expect(runsPerMonth("cron(0 8 ? * MON *)")).toBeCloseTo(4.35, 2);
  expect(runsPerMonth("cron(0 3 1 * ? *)")).toBe(1);
  expect(() => runsPerMonth("at(2026-12-24T10:00:00)")).toThrow(
    /at\(2026-12-24T10:00:00\): not a rate\(\) or cron\(\)/,
  );
});

test("free allowances only lower the bill, and each is spent once", () => {
  const items = estimate(plan, app, table);
  for (const i of items) expect(i.usdAfterFree).toBeLessThanOrEqual(i.usd + 1e-9);
  const metrics = items.find((i) => i.item === "custom metrics")!;
  expect(metrics.usd - metrics.usdAfterFree).toBeCloseTo(10 * table.prices["cloudwatch.metric"].usd, 6);
});
