// No silent metric: every metric the functions emit is read by an alarm of the default stack (or,
// for `Heartbeat`, of a stack whose backups run on Fargate: in Lambda AWS/Lambda's Invocations is
// the proof of life), or is listed as for the dashboard and the reports (its comment says what pages instead).
import { DASHBOARD_METRICS, METRIC } from "../../lambdas/core/contract";
import { heartbeat } from "../../lambdas/core/metrics";
import { ofType, planStack, Plan } from "../support/pulumi";

let plans: Plan[];
beforeAll(async () => {
  const onFargate = (raw: Record<string, string>) => {
    const backups = JSON.parse(raw["elegance-ops:backups"]);
    Object.assign(backups, {
      runner: { backup: "fargate", drill: "lambda" },
      fargate: {
        subnetIds: ["subnet-0123456789abcdef0"],
        cpu: 1024,
        memoryMb: 2048,
        ephemeralStorageGb: 30,
        maxRunMinutes: 60,
      },
    });
    raw["elegance-ops:backups"] = JSON.stringify(backups);
  };
  plans = [await planStack(), await planStack(onFargate)];
}, 240_000);

const alarmsOn = (plan: Plan, namespace: string) =>
  ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === namespace);

describe("custom metrics", () => {
  it("are each alarmed on, or for the dashboard, never both nor neither", () => {
    const alarmed = new Set(plans.flatMap((p) => alarmsOn(p, "EleganceOps").map((a) => a.inputs.metricName as string)));
    for (const name of Object.values(METRIC)) {
      expect([name, alarmed.has(name) || DASHBOARD_METRICS.includes(name)]).toEqual([name, true]);
      expect([name, alarmed.has(name) && DASHBOARD_METRICS.includes(name)]).toEqual([name, false]);
    }
    expect(Object.values(METRIC)).not.toContain("Healthy");
    expect(Object.values(METRIC)).not.toContain("ChecksOk");
  });

  it("Heartbeat: a Lambda's dead man's switch reads its free Invocations, a Fargate task's its Heartbeat", () => {
    const [lambda, fargate] = plans;
    expect(alarmsOn(lambda, "EleganceOps").filter((a) => a.inputs.metricName === METRIC.heartbeat)).toEqual([]);
    expect(
      alarmsOn(lambda, "AWS/Lambda")
        .filter((a) => a.inputs.metricName === "Invocations")
        .map((a) => a.name)
        .sort(),
    ).toEqual(
      ["backup", "daily-checklist", "health-probe", "metrics-export"].map((t) => `elegance-mobilite-${t}-heartbeat`),
    );
    expect(
      alarmsOn(fargate, "EleganceOps")
        .filter((a) => a.inputs.metricName === METRIC.heartbeat)
        .map((a) => [a.name, a.inputs.dimensions]),
    ).toEqual([["elegance-mobilite-backup-heartbeat", { Task: "backup" }]]);
  });

  it("the heartbeat helper emits Heartbeat outside Lambda only, and the run's other metrics always", () => {
    const emitted: [Record<string, string>, Record<string, { value: number }>][] = [];
    const sink = { emit: (d: Record<string, string>, m: Record<string, { value: number }>) => emitted.push([d, m]) };
    heartbeat(sink, "backup", { BackupBytes: { value: 5, unit: "Bytes" } }, true);
    heartbeat(sink, "daily-checklist", {}, true);
    heartbeat(sink, "backup", { BackupBytes: { value: 5, unit: "Bytes" } }, false);
    expect(emitted).toEqual([
      [{ Task: "backup" }, { BackupBytes: { value: 5, unit: "Bytes" } }],
      [{ Task: "backup" }, { Heartbeat: { value: 1, unit: "Count" }, BackupBytes: { value: 5, unit: "Bytes" } }],
    ]);
  });
});
