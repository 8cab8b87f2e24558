// The spine under Pulumi mocks: every scheduled function, its schedule, role, log group, DLQ
// and alarms, read from the real inputs of the prod stack's plan.
import { heartbeatRule, schedulePeriodSeconds } from "../../infra/scheduled-task/heartbeat";
import { OVERDUE_HOURS } from "../../lambdas/checks/checklist-freshness";
import { find, ofType, planStack, Plan, PlannedResource } from "../support/pulumi";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack();
});

// Bundled into a zip on Node.js 24; the backup tasks run from the backup container image.
const ZIP_TASKS = [
  "daily-checklist",
  "weekly-checklist",
  "monthly-checklist",
  "health-probe",
  "metrics-export",
  "weekly-report",
];
const IMAGE_TASKS = ["backup", "backup-drill"];
const TASKS = [...ZIP_TASKS, ...IMAGE_TASKS];
// Functions of the stack that are not scheduled: the pages' SMS formatter, the Vercel log drain's endpoint.
const UNSCHEDULED = ["sms-formatter", "log-ingest"];
const fn = (task: string) => find(plan, "aws:lambda/function:Function", `elegance-mobilite-${task}`);
const alarm = (name: string) => find(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;
const policyOf = (name: string) => JSON.parse(find(plan, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy);
const topicArn = (level: number) => `arn:aws:sns:eu-west-3:123456789012:elegance-mobilite-incidents-level-${level}`;

describe("schedules", () => {
  it("run the three lists and the probe at the configured times, on Paris time, without a flexible window", () => {
    const schedules: Record<string, any> = Object.fromEntries(
      ofType(plan, "aws:scheduler/schedule:Schedule").map((s) => [s.inputs.name, s.inputs]),
    );
    expect(Object.keys(schedules).sort()).toEqual(TASKS.map((t) => `elegance-mobilite-${t}`).sort());
    expect(schedules["elegance-mobilite-daily-checklist"].scheduleExpression).toBe("cron(0 7 * * ? *)");
    expect(schedules["elegance-mobilite-weekly-checklist"].scheduleExpression).toBe("cron(0 8 ? * MON *)");
    expect(schedules["elegance-mobilite-monthly-checklist"].scheduleExpression).toBe("cron(0 3 1 * ? *)");
    expect(schedules["elegance-mobilite-health-probe"].scheduleExpression).toBe("rate(1 minute)");
    expect(schedules["elegance-mobilite-backup"].scheduleExpression).toBe("cron(0 2 * * ? *)");
    expect(schedules["elegance-mobilite-backup-drill"].scheduleExpression).toBe("cron(0 5 ? * MON *)");
    for (const s of Object.values(schedules)) {
      expect(s.scheduleExpressionTimezone).toBe("Europe/Paris");
      expect(s.flexibleTimeWindow).toEqual({ mode: "OFF" });
      expect(s.target.arn).toBe(`arn:aws:lambda:eu-west-3:123456789012:function:${s.name}`);
      // One queue for every task: its messages name the schedule and the function.
      expect(s.target.deadLetterConfig.arn).toBe("arn:aws:sqs:eu-west-3:123456789012:elegance-mobilite-dead-letters");
    }
    expect(schedules["elegance-mobilite-daily-checklist"].target.retryPolicy).toEqual({
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
    });
    expect(schedules["elegance-mobilite-health-probe"].target.retryPolicy).toEqual({
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 60,
    });
  });

  it("deliver failures to the one KMS-encrypted queue, through a role that may only invoke its function", () => {
    expect(ofType(plan, "aws:sqs/queue:Queue").map((q) => q.name)).toEqual([
      "elegance-mobilite-dead-letters",
      "elegance-mobilite-failed-runs",
    ]);
    expect(find(plan, "aws:sqs/queue:Queue", "elegance-mobilite-dead-letters").inputs.kmsMasterKeyId).toMatch(
      /^arn:aws:kms:/,
    );
    for (const task of TASKS) {
      const name = `elegance-mobilite-${task}`;
      const statements = policyOf(`${name}-scheduler-policy`).Statement;
      expect(statements.map((s: { Action: string | string[]; Resource: string }) => [s.Action, s.Resource])).toEqual([
        ["lambda:InvokeFunction", `arn:aws:lambda:eu-west-3:123456789012:function:${name}`],
        ["sqs:SendMessage", "arn:aws:sqs:eu-west-3:123456789012:elegance-mobilite-dead-letters"],
        [["kms:GenerateDataKey", "kms:Decrypt"], expect.stringMatching(/^arn:aws:kms:/)],
      ]);
    }
  });
});

describe("every Lambda", () => {
  const functions = () => ofType(plan, "aws:lambda/function:Function");

  it("runs the bundled handler on Node.js 24 (LTS), arm64, logging to its own 30-day encrypted group", () => {
    expect(
      functions()
        .map((f) => f.name)
        .sort(),
    ).toEqual([...TASKS, ...UNSCHEDULED].map((t) => `elegance-mobilite-${t}`).sort());
    for (const f of functions()) {
      const image = IMAGE_TASKS.includes(f.name.replace("elegance-mobilite-", ""));
      expect(f.inputs).toMatchObject(
        image
          ? {
              packageType: "Image",
              architectures: ["arm64"],
              imageUri: expect.stringMatching(
                /\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/elegance-mobilite-backup@sha256:/,
              ),
            }
          : {
              runtime: "nodejs24.x",
              architectures: ["arm64"],
              handler: "index.handler",
              code: { archive: ["index.js", "index.js.map"] },
            },
      );
      const group = find(plan, "aws:cloudwatch/logGroup:LogGroup", `${f.name}-logs`).inputs;
      expect(group).toMatchObject({
        name: `/aws/lambda/${f.name}`,
        retentionInDays: 30,
        kmsKeyId: expect.stringMatching(/^arn:aws:kms:/),
      });
      expect(f.inputs.loggingConfig.logGroup).toBe(group.name);
    }
  });

  it("has a role whose policy has no wildcard action and writes only its own logs", () => {
    for (const policy of ofType(plan, "aws:iam/rolePolicy:RolePolicy")) {
      for (const s of JSON.parse(policy.inputs.policy).Statement) {
        for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
      }
    }
    for (const f of functions()) {
      const logs = policyOf(`${f.name}-policy`).Statement.find((s: { Sid: string }) => s.Sid === "WriteOwnLogs");
      expect(logs.Resource).toBe(`arn:aws:logs:eu-west-3:123456789012:log-group:/aws/lambda/${f.name}:*`);
    }
  });

  it("keeps secrets out of its environment: the daily list gets the secret's ARN and may read that secret only", () => {
    for (const f of functions())
      expect(JSON.stringify(f.inputs.environment)).not.toMatch(/postgres(ql)?:\/\/|\+33|@elegance-mobilite\.fr/);
    const daily = fn("daily-checklist").inputs.environment.variables;
    expect(daily.DATABASE_URL_SECRET_ARN).toMatch(/secret:elegance-mobilite\/runtime#databaseUrl$/);
    const read = policyOf("elegance-mobilite-daily-checklist-policy").Statement.find(
      (s: { Sid: string }) => s.Sid === "ReadOwnSecrets",
    );
    expect(read).toEqual({
      Sid: "ReadOwnSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: [daily.DATABASE_URL_SECRET_ARN.split("#")[0]],
    });
    expect(JSON.stringify(policyOf("elegance-mobilite-health-probe-policy"))).not.toContain("secretsmanager");
  });

  it("has its alarms: errors, dead letters, and a heartbeat when run daily or more often", () => {
    for (const task of TASKS) {
      const name = `elegance-mobilite-${task}`;
      expect(alarm(`${name}-errors`)).toMatchObject({
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: name },
        threshold: 1,
      });
      expect(ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).not.toContain(
        `${name}-dead-letters`,
      );
      // Up to a day, AWS/Lambda's free Invocations; beyond, the daily list's checklist-freshness pages.
      if (!["weekly-checklist", "monthly-checklist", "backup-drill", "weekly-report"].includes(task))
        expect(alarm(`${name}-heartbeat`)).toMatchObject({
          namespace: "AWS/Lambda",
          metricName: "Invocations",
          dimensions: { FunctionName: name },
          treatMissingData: "breaching",
        });
    }
  });
});

describe("check-list permissions", () => {
  const statements = (list: string) =>
    policyOf(`elegance-mobilite-${list}-checklist-policy`).Statement as {
      Sid: string;
      Action: string;
      Resource: string | string[];
      Condition?: unknown;
    }[];

  it("each list writes its own run records only, and publishes to the three paging topics", () => {
    for (const list of ["daily", "weekly", "monthly"]) {
      const s = Object.fromEntries(statements(list).map((x) => [x.Sid, x]));
      // The monthly list also keeps the access review's record with the security logs, the weekly one OSV's details.
      const extra = {
        daily: [],
        weekly: [expect.stringMatching(/^arn:aws:s3:::elegance-mobilite-logs-\w+\/security\/osv-cache\/\*$/)],
        monthly: [expect.stringMatching(/^arn:aws:s3:::elegance-mobilite-logs-\w+\/security\/access-reviews\/\*$/)],
      }[list]!;
      expect(s.WriteLogs.Resource).toEqual([
        ...extra,
        expect.stringMatching(new RegExp(`^arn:aws:s3:::elegance-mobilite-logs-\\w+/reports/checklists/${list}/\\*$`)),
      ]);
      expect(s.RaiseIncidents).toMatchObject({
        Action: "sns:Publish",
        Resource: [topicArn(1), topicArn(2), topicArn(3)],
      });
    }
    const daily = Object.fromEntries(statements("daily").map((x) => [x.Sid, x]));
    // The prod stack file has the Vercel log drain: the daily log check reads its deliveries.
    expect(daily.ListLogs.Condition).toEqual({
      StringLike: {
        "s3:prefix": [
          "reports/checklists/*",
          "reports/backups/drills/*",
          "reports/weekly/*", // checklist-freshness dates the weekly report
          "app/vercel/*",
          "access/vercel/*",
        ],
      },
    });
    const monthly = Object.fromEntries(statements("monthly").map((x) => [x.Sid, x]));
    // The access review reads the daily records' connection samples (PostgreSQL's last logins).
    expect(monthly.ListLogs.Condition).toEqual({
      StringLike: { "s3:prefix": ["reports/checklists/monthly/*", "reports/checklists/daily/*"] },
    });
  });

  it("the lists with database checks or tasks read the database secret, get their thresholds and task settings; monthly gets 15 minutes", () => {
    // Only what a list's checks declare: the weekly and monthly lists never call the app.
    expect(fn("daily-checklist").inputs.environment.variables.APP_URL).toBe("https://www.elegance-mobilite.fr");
    for (const list of ["weekly", "monthly"])
      expect(fn(`${list}-checklist`).inputs.environment.variables).not.toHaveProperty("APP_URL");
    for (const list of ["daily", "weekly", "monthly"]) {
      const env = fn(`${list}-checklist`).inputs.environment.variables;
      expect(env.DATABASE_URL_SECRET_ARN).toMatch(/secret:elegance-mobilite\/runtime#databaseUrl$/);
      expect(JSON.parse(env.DATABASE_TASKS)).toEqual({
        sessionsExpiredDays: 30,
        ridesOlderThanMonths: 6,
        batchSize: 5000,
        temporaryData: [],
      });
      expect(JSON.parse(env.DATABASE_THRESHOLDS)).toEqual({});
    }
    expect(fn("monthly-checklist").inputs.timeout).toBe(900);
    expect(fn("daily-checklist").inputs.timeout).toBe(300);
    // large-tables compares with the previous weekly record.
    const weekly = statements("weekly").find((s) => s.Sid === "ReadLogs");
    expect(weekly).toMatchObject({
      Action: "s3:GetObject",
      Resource: expect.arrayContaining([expect.stringMatching(/\/reports\/checklists\/weekly\/\*$/)]),
    });
  });

  it("only the weekly list reads CloudWatch metrics (GetMetricData has no resource-level permissions)", () => {
    expect(statements("weekly").find((s) => s.Sid === "ReadMetrics")).toMatchObject({
      Action: "cloudwatch:GetMetricData",
      Resource: "*",
    });
    for (const list of ["daily", "monthly"])
      expect(statements(list).some((s) => [s.Action].flat().includes("cloudwatch:GetMetricData"))).toBe(false);
  });

  it("passes the levels (catalogue defaults, config overrides) and topics to the function", async () => {
    const { resources } = await planStack((raw) => {
      raw["elegance-ops:checklists"] = JSON.stringify({ levels: { "daily.app-health": { fail: 3 } } });
    });
    const daily = resources.find(
      (r) => r.name === "elegance-mobilite-daily-checklist" && r.type === "aws:lambda/function:Function",
    ) as PlannedResource;
    const env = daily.inputs.environment.variables;
    expect(JSON.parse(env.CHECK_LEVELS)["daily.app-health"]).toEqual({ warn: 1, fail: 3 });
    expect(JSON.parse(env.INCIDENT_TOPICS)).toEqual({ "1": topicArn(1), "2": topicArn(2), "3": topicArn(3) });
    expect(env).toMatchObject({
      APP_URL: "https://www.elegance-mobilite.fr",
      HEALTH_PATH: "/api/health",
      TASK_NAME: "daily-checklist",
      APP_NAME: "elegance-mobilite",
    });
  });
});

describe("the heartbeat (dead man's switch)", () => {
  it("follows each schedule's period: buckets of the function's Invocations up to a day, the daily list's check beyond", () => {
    expect(alarm("elegance-mobilite-health-probe-heartbeat")).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Invocations",
      dimensions: { FunctionName: "elegance-mobilite-health-probe" },
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
    });
    expect(alarm("elegance-mobilite-daily-checklist-heartbeat")).toMatchObject({
      metricName: "Invocations",
      period: 3600,
      evaluationPeriods: 26,
      datapointsToAlarm: 26,
    });
    // Past a day no alarm can look back far enough: the daily list's checklist-freshness fails (pages) instead.
    const names = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name);
    for (const task of ["weekly-checklist", "monthly-checklist", "backup-drill", "weekly-report"])
      expect(names).not.toContain(`elegance-mobilite-${task}-heartbeat`);
    expect(heartbeatRule("cron(0 8 ? * MON *)")).toEqual({ metric: "checklist-freshness", thresholdHours: 192 });
    expect(heartbeatRule("cron(0 3 1 * ? *)")).toEqual({ metric: "checklist-freshness", thresholdHours: 768 });
    expect(OVERDUE_HOURS).toEqual({ weekly: 192, monthly: 768, "backup-drill": 192, "weekly-report": 192 });
    for (const a of ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm"))
      expect(a.inputs.period * a.inputs.evaluationPeriods).toBeLessThanOrEqual(7 * 86400);
  });

  it("tells the period of rate and cron expressions, and refuses one it can't", () => {
    expect(schedulePeriodSeconds("rate(5 minutes)")).toBe(300);
    expect(schedulePeriodSeconds("rate(2 hours)")).toBe(7200);
    expect(schedulePeriodSeconds("cron(15 * * * ? *)")).toBe(3600);
    expect(heartbeatRule("rate(5 minutes)")).toEqual({ metric: "Heartbeat", period: 60, evaluationPeriods: 25 });
    expect(() => schedulePeriodSeconds("cron(0 7,19 * * ? *)")).toThrow(
      'schedule "cron(0 7,19 * * ? *)": cannot tell its period',
    );
  });
});

describe("the health probe's alarms", () => {
  it("level 3 when down 2 of the last 3 minutes, silence counting as down", () => {
    expect(alarm("elegance-mobilite-app-down")).toMatchObject({
      namespace: "EleganceOps",
      metricName: "Up",
      dimensions: { App: "elegance-mobilite" },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      alarmActions: [topicArn(3)],
      okActions: [topicArn(3)],
    });
  });

  it("level 2 when p95 latency stays above the configured threshold for 10 minutes", async () => {
    expect(alarm("elegance-mobilite-app-slow")).toMatchObject({
      metricName: "Latency",
      extendedStatistic: "p95",
      period: 60,
      evaluationPeriods: 10,
      datapointsToAlarm: 10,
      threshold: 1500,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [topicArn(2)],
    });
    const edited = await planStack((raw) => {
      raw["elegance-ops:thresholds"] = JSON.stringify({ health: { timeoutMs: 4000, p95LatencyMs: 900 } });
    });
    expect(find(edited, "aws:cloudwatch/metricAlarm:MetricAlarm", "elegance-mobilite-app-slow").inputs.threshold).toBe(
      900,
    );
    expect(
      find(edited, "aws:lambda/function:Function", "elegance-mobilite-health-probe").inputs.environment.variables
        .HEALTH_TIMEOUT_MS,
    ).toBe("4000");
  });
});
