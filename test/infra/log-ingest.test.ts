// The log drain's ingest function under Pulumi mocks: its public URL, its least-privilege role
// (write only under app/vercel/ and access/vercel/), its alarms and their levels, and what the
// daily list gets to read the deliveries.
import { ENV, METRIC } from "../../lambdas/core/contract";
import { find, ofType, Plan, planStack } from "../support/pulumi";

const VERCEL = { teamId: "team_abc123", projectId: "prj_abc123", token: "AbCdEfGhIjKlMnOpQrStUvWx" };
const FN = "elegance-mobilite-log-ingest";
const topicArn = (level: number) => `arn:aws:sns:eu-west-3:123456789012:elegance-mobilite-incidents-level-${level}`;

type Statement = {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
};
const statementsOf = (plan: Plan, name: string): Statement[] =>
  JSON.parse(find(plan, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement;
const alarm = (plan: Plan, name: string) => find(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;

let plan: Plan;
let bucketArn: string;
beforeAll(async () => {
  plan = await planStack((raw) => {
    raw["elegance-ops:vercel"] = JSON.stringify(VERCEL);
  });
  bucketArn = `arn:aws:s3:::${plan.outputs.logsBucket}`;
}, 120_000);

describe("the ingest function", () => {
  it("runs the bundled log-ingest handler with the bucket, app, secret ARN, verification code and body limit", () => {
    const fn = find(plan, "aws:lambda/function:Function", FN).inputs;
    expect(fn).toMatchObject({
      runtime: "nodejs24.x",
      handler: "index.handler",
      code: { archive: ["index.js", "index.js.map"] },
      description: expect.stringContaining("lambdas/handlers/log-ingest.ts"),
    });
    expect(fn.environment.variables).toEqual({
      NODE_OPTIONS: "--enable-source-maps",
      [ENV.appName]: "elegance-mobilite",
      [ENV.logsBucket]: plan.outputs.logsBucket,
      // The drain's key of the stack's messaging secret (the database URL and tokens are out of its reach).
      [ENV.logDrainSecretArn]:
        "arn:aws:secretsmanager:eu-west-3:123456789012:secret:elegance-mobilite/messaging#logDrainSecret",
      [ENV.vercelVerifyCode]: "fake-vercel-verification-code",
      // What a Function URL takes: a bigger delivery never reaches the function.
      [ENV.logDrainMaxBytes]: "6000000",
    });
  });

  it("reserves no concurrency unless the stack file caps it (a new account has none to spare; see test/infra/failed-runs.test.ts)", () => {
    expect(find(plan, "aws:lambda/function:Function", FN).inputs.reservedConcurrentExecutions).toBeUndefined();
  });

  it("answers on a public, buffered Function URL (Vercel can't sign SigV4; the handler checks the signature)", () => {
    expect(find(plan, "aws:lambda/functionUrl:FunctionUrl", `${FN}-url`).inputs).toEqual({
      functionName: FN,
      authorizationType: "NONE",
      invokeMode: "BUFFERED",
    });
    const permissions = ofType(plan, "aws:lambda/permission:Permission")
      .filter((p) => p.inputs.function === FN)
      .map((p) => p.inputs);
    expect(permissions).toEqual(
      expect.arrayContaining([
        { function: FN, action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE" },
        { function: FN, action: "lambda:InvokeFunction", principal: "*", invokedViaFunctionUrl: true },
      ]),
    );
    expect(permissions).toHaveLength(2);
  });
});

describe("the ingest role (least privilege)", () => {
  it("may put objects under app/vercel/ and access/vercel/ only, and nothing else of the bucket", () => {
    const statements = statementsOf(plan, `${FN}-policy`);
    const onBucket = statements.filter((s) => [s.Resource].flat().some((r) => r.startsWith(bucketArn)));
    expect(onBucket).toEqual([
      {
        Sid: "WriteDrainDeliveries",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: [`${bucketArn}/app/vercel/*`, `${bucketArn}/access/vercel/*`],
      },
    ]);
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith("s3:"))).toEqual(["s3:PutObject"]);
  });

  it("reads the drain's secret only, uses the stack's key, writes its own logs; no wildcard action or resource", () => {
    const statements = statementsOf(plan, `${FN}-policy`);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      "ReadOwnSecrets",
      "UseStackKey",
      "WriteDrainDeliveries",
      "WriteOwnLogs",
    ]);
    expect(bySid.ReadOwnSecrets).toMatchObject({
      Action: "secretsmanager:GetSecretValue",
      Resource: ["arn:aws:secretsmanager:eu-west-3:123456789012:secret:elegance-mobilite/messaging"],
    });
    expect(bySid.UseStackKey).toMatchObject({
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: plan.outputs.kmsKeyArn,
    });
    expect(bySid.WriteOwnLogs.Resource).toBe(`arn:aws:logs:eu-west-3:123456789012:log-group:/aws/lambda/${FN}:*`);
    for (const s of statements) {
      expect(s.Effect).toBe("Allow");
      for (const action of [s.Action].flat()) expect(action).not.toContain("*");
      for (const resource of [s.Resource].flat()) expect(resource).not.toBe("*");
    }
  });
});

describe("the ingest's alarms", () => {
  it("the function failing pages level 2", () => {
    expect(alarm(plan, `${FN}-errors`)).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: FN },
      alarmActions: [topicArn(2)],
      okActions: [topicArn(2)],
    });
  });

  it("a burst of 5xx (the daily warn count in 5 minutes) pages level 2", () => {
    expect(alarm(plan, "elegance-mobilite-app-5xx")).toMatchObject({
      namespace: "EleganceOps",
      metricName: METRIC.http5xxResponses,
      dimensions: { App: "elegance-mobilite" },
      statistic: "Sum",
      period: 300,
      threshold: 10,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [topicArn(2)],
    });
  });

  it("a delivery refused for its size (413, logs lost) pages level 1", () => {
    expect(alarm(plan, `${FN}-deliveries-too-large`)).toMatchObject({
      namespace: "EleganceOps",
      metricName: METRIC.logDeliveriesTooLarge,
      dimensions: { App: "elegance-mobilite" },
      statistic: "Sum",
      period: 300,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [topicArn(1)],
    });
    expect(alarm(plan, `${FN}-deliveries-too-large`).alarmDescription).toContain("dépassent 6000000 octets");
  });

  it("a burst of error lines pages level 1", () => {
    expect(alarm(plan, "elegance-mobilite-app-error-lines")).toMatchObject({
      metricName: METRIC.logErrorLines,
      statistic: "Sum",
      period: 300,
      threshold: 50,
      alarmActions: [topicArn(1)],
      okActions: [topicArn(1)],
    });
  });

  it("a p95 request duration above the health threshold for 15 minutes pages level 2", () => {
    expect(alarm(plan, "elegance-mobilite-app-requests-slow")).toMatchObject({
      metricName: METRIC.requestDuration,
      extendedStatistic: "p95",
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: 1500,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [topicArn(2)],
    });
    expect(alarm(plan, "elegance-mobilite-app-requests-slow").alarmDescription).toMatch(
      /^Niveau 2 \(majeur\), réponse < 1 h .*\nRunbook:\n1\. /s,
    );
  });

  it("takes its thresholds from the config", async () => {
    const edited = await planStack((raw) => {
      raw["elegance-ops:vercel"] = JSON.stringify({ ...VERCEL, logThresholds: { http5xxWarn: 3, errorLinesWarn: 20 } });
      raw["elegance-ops:thresholds"] = JSON.stringify({ health: { timeoutMs: 4000, p95LatencyMs: 800 } });
    });
    expect(alarm(edited, "elegance-mobilite-app-5xx").threshold).toBe(3);
    expect(alarm(edited, "elegance-mobilite-app-error-lines").threshold).toBe(20);
    expect(alarm(edited, "elegance-mobilite-app-requests-slow").threshold).toBe(800);
  }, 120_000);
});

describe("the daily list, with a drain to read", () => {
  it("is told the drain is on and gets the log thresholds", () => {
    const env = find(plan, "aws:lambda/function:Function", "elegance-mobilite-daily-checklist").inputs.environment
      .variables;
    expect(env[ENV.logDrainEnabled]).toBe("true");
    expect(JSON.parse(env[ENV.logThresholds])).toEqual({
      errorLinesWarn: 50,
      errorLinesFail: 500,
      http5xxWarn: 10,
      http5xxFail: 100,
      topMessages: 10,
    });
    const weekly = find(plan, "aws:lambda/function:Function", "elegance-mobilite-weekly-checklist").inputs.environment
      .variables;
    expect(weekly).not.toHaveProperty(ENV.logDrainEnabled);
  });

  it("may list and read the drain's deliveries, and write nothing there", () => {
    const statements = statementsOf(plan, "elegance-mobilite-daily-checklist-policy");
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ListLogs).toMatchObject({ Action: "s3:ListBucket", Resource: bucketArn });
    expect((bySid.ListLogs.Condition as { StringLike: Record<string, string[]> }).StringLike["s3:prefix"]).toEqual(
      expect.arrayContaining(["app/vercel/*", "access/vercel/*"]),
    );
    // The drain's prefixes, beside the drill records the backups check times the drill with.
    expect(bySid.ReadLogs).toEqual({
      Sid: "ReadLogs",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: [`${bucketArn}/reports/backups/drills/*`, `${bucketArn}/app/vercel/*`, `${bucketArn}/access/vercel/*`],
    });
    const writes = statements.filter((s) => [s.Action].flat().includes("s3:PutObject"));
    for (const s of writes) expect(JSON.stringify(s.Resource)).not.toContain("vercel");
    // The weekly list reads the Vercel token's secret (the app's lock-file), never the drain's logs.
    expect(JSON.stringify(statementsOf(plan, "elegance-mobilite-weekly-checklist-policy"))).not.toContain("/vercel/");
  });
});
