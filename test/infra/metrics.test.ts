// No silent metric: every metric the functions emit is read by an alarm of the default stack,
// or is listed as for the dashboard and the reports (and its comment says what pages instead).
import { DASHBOARD_METRICS, METRIC } from "../../lambdas/core/contract";
import { ofType, planStack, Plan } from "../support/pulumi";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack();
});

describe("custom metrics", () => {
  it("are each alarmed on, or for the dashboard, never both nor neither", () => {
    const alarmed = new Set(
      ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
        .filter((a) => a.inputs.namespace === "EleganceOps")
        .map((a) => a.inputs.metricName as string),
    );
    for (const name of Object.values(METRIC)) {
      expect([name, alarmed.has(name) || DASHBOARD_METRICS.includes(name)]).toEqual([name, true]);
      expect([name, alarmed.has(name) && DASHBOARD_METRICS.includes(name)]).toEqual([name, false]);
    }
    expect(Object.values(METRIC)).not.toContain("Healthy");
  });
});
