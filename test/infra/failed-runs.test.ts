// Runs that are never lost, on a new account: every scheduled function retries a failed run as
// configured and then leaves it in its queue, which pages; no concurrency is reserved unless
// the stack file asks; and a check-list's timeout must fit each of its checks.
import { checksOverTimeout } from "../../infra/config/functions";
import { FINISH_MARGIN_MS } from "../../lambdas/core/contract";
import { find, ofType, planStack, Plan, problemsOf, prodRawConfig } from "../support/pulumi";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack();
});

const SCHEDULED = {
  "daily-checklist": 1,
  "weekly-checklist": 1,
  "health-probe": 1,
  "monthly-checklist": 0,
  backup: 0,
  "backup-drill": 0,
  "metrics-export": 1,
  "weekly-report": 0,
};
const arn = (service: string, what: string) => `arn:aws:${service}:eu-west-3:123456789012:${what}`;

describe("a failed scheduled run", () => {
  it("is retried as its task allows (once for the lists and the probe, never for tasks that change data or run long), then lands in the failed-runs KMS queue", () => {
    const configs = ofType(plan, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    expect(configs.map((c) => c.inputs.functionName).sort()).toEqual(
      Object.keys(SCHEDULED)
        .map((t) => `elegance-mobilite-${t}`)
        .sort(),
    );
    for (const [task, retries] of Object.entries(SCHEDULED)) {
      const name = `elegance-mobilite-${task}`;
      expect(
        find(plan, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", `${name}-invoke-config`).inputs,
      ).toEqual({
        functionName: name,
        maximumRetryAttempts: retries,
        maximumEventAgeInSeconds: task === "health-probe" ? 60 : 3600,
        destinationConfig: { onFailure: { destination: arn("sqs", "elegance-mobilite-failed-runs") } },
      });
      // Lambda sends the failed event with the function's own role.
      const statements = JSON.parse(
        find(plan, "aws:iam/rolePolicy:RolePolicy", `${name}-policy`).inputs.policy,
      ).Statement;
      expect(statements).toContainEqual({
        Sid: "FailedRunsToQueue",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: arn("sqs", "elegance-mobilite-failed-runs"),
      });
    }
    for (const queue of ["elegance-mobilite-dead-letters", "elegance-mobilite-failed-runs"])
      expect(find(plan, "aws:sqs/queue:Queue", queue).inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
  });

  it("pages once per cause: a failed run through its task's errors alarm at the task's level, an undelivered one through the dead letters' alarm (level 2); the failed runs are kept, not paged again", () => {
    const alarm = find(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", "elegance-mobilite-dead-letters").inputs;
    expect(alarm).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "elegance-mobilite-dead-letters" },
      threshold: 1,
    });
    expect(alarm.alarmActions).toEqual([arn("sns", "elegance-mobilite-incidents-level-2")]);
    expect(alarm.alarmDescription).toContain("n'a pas pu être lancée par le planificateur");
    expect(alarm.alarmDescription).toMatch(
      /TARGET_ARN[\s\S]*elegance-mobilite-failed-runs : requestContext\.functionArn/,
    );
    // No alarm reads the failed-runs queue: the function's errors alarm has paged for that run.
    const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.filter((a) => JSON.stringify(a.inputs.dimensions ?? {}).includes("failed-runs"))).toEqual([]);
    const levels = { "daily-checklist": 2, "backup-drill": 1 };
    for (const [task, level] of Object.entries(levels))
      expect(
        find(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", `elegance-mobilite-${task}-errors`).inputs.alarmActions,
      ).toEqual([arn("sns", `elegance-mobilite-incidents-level-${level}`)]);
  });

  it("follows the stack file: retries and timeouts per function", async () => {
    const edited = await planStack((raw) => {
      raw["elegance-ops:functions"] = JSON.stringify({
        "daily-checklist": { retries: 0, timeoutSeconds: 600 },
        backup: { retries: 2 },
      });
    });
    const config = (task: string) =>
      find(
        edited,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        `elegance-mobilite-${task}-invoke-config`,
      ).inputs;
    expect(config("daily-checklist").maximumRetryAttempts).toBe(0);
    expect(config("backup").maximumRetryAttempts).toBe(2);
    expect(config("weekly-checklist").maximumRetryAttempts).toBe(1);
    expect(find(edited, "aws:lambda/function:Function", "elegance-mobilite-daily-checklist").inputs.timeout).toBe(600);
  });
});

describe("reserved concurrency", () => {
  it("is none by default, so the stack deploys on a new account (10 concurrent executions, all unreserved)", () => {
    for (const f of ofType(plan, "aws:lambda/function:Function"))
      expect(f.inputs.reservedConcurrentExecutions).toBeUndefined();
  });

  it("is reserved where the stack file asks, the log ingest's cap included", async () => {
    const edited = await planStack((raw) => {
      raw["elegance-ops:functions"] = JSON.stringify({
        "monthly-checklist": { reservedConcurrency: 1 },
        "log-ingest": { reservedConcurrency: 20 },
      });
    });
    const reserved = Object.fromEntries(
      ofType(edited, "aws:lambda/function:Function")
        .filter((f) => f.inputs.reservedConcurrentExecutions !== undefined)
        .map((f) => [f.name, f.inputs.reservedConcurrentExecutions]),
    );
    expect(reserved).toEqual({ "elegance-mobilite-monthly-checklist": 1, "elegance-mobilite-log-ingest": 20 });
  });
});

describe("check time limits against the function timeout", () => {
  const withFunctions = (functions: object) => {
    const raw = prodRawConfig();
    raw["elegance-ops:functions"] = JSON.stringify(functions);
    return raw;
  };

  it("each check must fit alone in its list's timeout minus the finishing margin; the sum is budgeted at run time", () => {
    // The daily list's limits add up to far more than its 300 s, and that is fine.
    expect(checksOverTimeout("daily", 300)).toEqual([]);
    expect(checksOverTimeout("weekly", 300)).toEqual([]);
    expect(checksOverTimeout("monthly", 900)).toEqual([]);
    expect(checksOverTimeout("daily", 259)).toEqual([
      { id: "backups", limitSeconds: 240, roomSeconds: 259 - FINISH_MARGIN_MS / 1000 },
    ]);
    expect(checksOverTimeout("daily", 260)).toEqual([]);
  });

  it("refuses a timeout a check cannot fit in, naming the checks and the timeout that would do", () => {
    expect(problemsOf(withFunctions({ "daily-checklist": { timeoutSeconds: 200 } }))).toEqual([
      "elegance-ops:functions.daily-checklist.timeoutSeconds: 200 cannot fit daily.backups (240 s) and the run's 20 s to write its record and pages; expected 260 or more",
    ]);
    expect(problemsOf(withFunctions({ "monthly-checklist": { timeoutSeconds: 600 } }))).toEqual([
      expect.stringMatching(
        /^elegance-ops:functions\.monthly-checklist\.timeoutSeconds: 600 cannot fit monthly\.clean-sessions \(720 s\), .*monthly\.reindex \(720 s\) and the run's 20 s to write its record and pages; expected 740 or more$/,
      ),
    ]);
  });

  it("refuses what Lambda would: retries above 2, a timeout above 900 s, a reservation of 0", () => {
    expect(
      problemsOf(
        withFunctions({ backup: { retries: 3, timeoutSeconds: 901 }, "log-ingest": { reservedConcurrency: 0 } }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^elegance-ops:functions\.backup\.timeoutSeconds: 901 is too large; expected an integer number of seconds between 10 and 900/,
      ),
      expect.stringMatching(/^elegance-ops:functions\.backup\.retries: 3 is not allowed; expected 0, 1 or 2/),
      expect.stringMatching(/^elegance-ops:functions\.log-ingest\.reservedConcurrency: 0 is too small/),
    ]);
  });
});
