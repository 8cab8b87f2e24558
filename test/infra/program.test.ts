// The whole program, from the prod stack file, as `pulumi up` would build it.
import * as pulumi from "@pulumi/pulumi";
import { find, Plan, planStack, prodRawConfig } from "../support/pulumi";

const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const rules = (plan: Plan, name: string): any[] => find(plan, LIFECYCLE, name).inputs.rules;

describe("the prod stack", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack();
  });

  it("names resources after the app and exports the buckets, key, trail, secret, topics and functions", () => {
    expect(plan.outputs).toEqual({
      kmsKeyArn: expect.stringMatching(/^arn:aws:kms:eu-west-3:/),
      logsBucket: expect.stringMatching(/^elegance-mobilite-logs-/),
      backupsBucket: expect.stringMatching(/^elegance-mobilite-backups-/),
      trailArn: expect.stringContaining(":trail/elegance-mobilite-security"),
      runtimeSecretArn: expect.stringContaining("elegance-mobilite/runtime"),
      messagingSecretArn: expect.stringContaining("elegance-mobilite/messaging"),
      incidentTopicArns: {
        "1": expect.stringMatching(/:elegance-mobilite-incidents-level-1$/),
        "2": expect.stringMatching(/:elegance-mobilite-incidents-level-2$/),
        "3": expect.stringMatching(/:elegance-mobilite-incidents-level-3$/),
      },
      checklistFunctions: {
        daily: "elegance-mobilite-daily-checklist",
        weekly: "elegance-mobilite-weekly-checklist",
        monthly: "elegance-mobilite-monthly-checklist",
      },
      healthProbeFunction: "elegance-mobilite-health-probe",
      smsFormatterFunction: "elegance-mobilite-sms-formatter",
      metricsDatabase: "elegance_mobilite_metrics",
      metricsWorkgroup: "elegance-mobilite-metrics",
      backupFunction: "elegance-mobilite-backup",
      backupDrillFunction: "elegance-mobilite-backup-drill",
      backupImageUri: expect.stringMatching(
        /^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/elegance-mobilite-backup@sha256:[0-9a-f]{64}$/,
      ),
      // The app on Vercel, on in the prod stack file.
      logIngestUrl: expect.stringMatching(/^https:\/\//),
      edgeConfigId: expect.any(String),
    });
  });

  it("takes the backups' rotation and Object Lock from the stack file", () => {
    const ids = rules(plan, "elegance-mobilite-backups-lifecycle").map((r) => [
      r.filter?.tag?.value,
      r.expiration?.days,
    ]);
    expect(ids).toEqual(
      expect.arrayContaining([
        ["daily", 35],
        ["monthly", 365],
        ["yearly", 1827],
      ]),
    );
    const lock = find(
      plan,
      "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
      "elegance-mobilite-backups-object-lock",
    );
    expect(lock.inputs.rule.defaultRetention).toEqual({ mode: "GOVERNANCE", days: 14 });
  });

  it("keeps the database URL in the check-lists' secret, encrypted with the stack's key, as a Pulumi secret", () => {
    const secret = find(plan, "aws:secretsmanager/secret:Secret", "elegance-mobilite-runtime").inputs;
    expect(secret).toMatchObject({ name: "elegance-mobilite/runtime", kmsKeyId: plan.outputs.kmsKeyArn });
    expect(secret.description).toMatch(/: databaseUrl, vercelToken$/);
    expect(
      find(plan, "aws:secretsmanager/secretVersion:SecretVersion", "elegance-mobilite-runtime-value").inputs
        .secretString,
    ).toBe("[secret]");
    // IAM cannot scope a read to one key: the functions facing the outside read the messaging
    // secret only, and only the backup may read the admin URL.
    expect(
      plan.resources.filter((r) => r.type === "aws:secretsmanager/secret:Secret").map((r) => r.inputs.name),
    ).toEqual(["elegance-mobilite/runtime", "elegance-mobilite/messaging", "elegance-mobilite/backup-database-url"]);
    expect(find(plan, "aws:secretsmanager/secret:Secret", "elegance-mobilite-messaging").inputs.description).toMatch(
      /: smsPhones, logDrainSecret$/,
    );
  });
});

describe("config flows into the resources", () => {
  it("a longer access-log retention changes the access/ rule and nothing else", async () => {
    const before = await planStack();
    const after = await planStack((raw) => {
      const retention = JSON.parse(raw["elegance-ops:logRetention"]);
      raw["elegance-ops:logRetention"] = JSON.stringify({ ...retention, accessDays: 180 });
    });
    const access = (p: Plan) =>
      rules(p, "elegance-mobilite-logs-lifecycle").find((r) => r.filter?.prefix === "access/");
    expect(access(before).expiration.days).toBe(90);
    expect(access(after).expiration.days).toBe(180);
    const others = (p: Plan) =>
      rules(p, "elegance-mobilite-logs-lifecycle").filter((r) => r.filter?.prefix !== "access/");
    expect(others(after)).toEqual(others(before));
  });
});

describe("infra/index.ts, the entry point of pulumi up", () => {
  it("stops on invalid config with a RunError listing every problem, before creating anything", () => {
    const raw = prodRawConfig();
    raw["elegance-ops:timezone"] = "Paris";
    delete raw["aws:region"];
    pulumi.runtime.setAllConfig(raw);
    let error: unknown;
    jest.isolateModules(() => {
      try {
        require("../../infra/index");
      } catch (e) {
        error = e;
      }
    });
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^Invalid stack config \(2 problems\):/);
    expect((error as Error).message).toMatch(/- aws:region is missing/);
    expect((error as Error).message).toMatch(/- elegance-ops:timezone: "Paris"/);
  });
});
