// The backups under Pulumi mocks: the container image and its ECR repository, the two
// container functions, their least-privilege roles, schedules and alarm levels, and what
// the daily and weekly lists may read of them.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { keepLastImagesPolicy } from "../../infra/backup/image";
import { find, ofType, planStack, Plan } from "../support/pulumi";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack();
});

const policyOf = (name: string) =>
  JSON.parse(find(plan, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement as {
    Sid: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: any;
  }[];
const fn = (name: string) => find(plan, "aws:lambda/function:Function", name).inputs;
const alarm = (name: string) => find(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;
const topicArn = (level: number) => `arn:aws:sns:eu-west-3:123456789012:elegance-mobilite-incidents-level-${level}`;
const BUCKET = /^arn:aws:s3:::elegance-mobilite-backups-\w+$/;

describe("backup image", () => {
  it("is built for arm64 with the database's PostgreSQL major, pushed to a KMS-encrypted repository keeping the last 5", () => {
    const repo = find(plan, "aws:ecr/repository:Repository", "elegance-mobilite-backup").inputs;
    expect(repo).toMatchObject({
      name: "elegance-mobilite-backup",
      imageTagMutability: "IMMUTABLE",
      encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: expect.stringMatching(/^arn:aws:kms:/) }],
    });
    const lifecycle = find(
      plan,
      "aws:ecr/lifecyclePolicy:LifecyclePolicy",
      "elegance-mobilite-backup-lifecycle",
    ).inputs;
    expect(JSON.parse(lifecycle.policy).rules).toEqual([
      {
        rulePriority: 1,
        description: "keep the last 5 images",
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 5 },
        action: { type: "expire" },
      },
    ]);
    const image = find(plan, "docker-build:index:Image", "elegance-mobilite-backup").inputs;
    expect(image).toMatchObject({
      platforms: ["linux/arm64"],
      push: true,
      buildArgs: { PG_MAJOR: "15", NODE_MAJOR: "24" },
    });
    expect(image.tags).toEqual([
      expect.stringMatching(
        /^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/elegance-mobilite-backup:pg15-[0-9a-f]{16}$/,
      ),
    ]);
    // The build context holds the Dockerfile and both handlers' bundles.
    const dir = image.context.location as string;
    expect(readFileSync(path.join(dir, "Dockerfile"), "utf8")).toContain('"postgresql${PG_MAJOR}-server"');
    expect(readFileSync(path.join(dir, "Dockerfile"), "utf8")).toMatch(
      /^ENV NODE_OPTIONS="--enable-source-maps --max-semi-space-size=1"/m,
    );
    expect(readFileSync(path.join(dir, "backup", "index.js"), "utf8")).toContain("pg_export_snapshot");
    expect(readFileSync(path.join(dir, "backup-drill", "index.js"), "utf8")).toContain("bt_index_check");
  });

  it("follows database.postgresMajor and backups.imagesKept", async () => {
    const other = await planStack((raw) => {
      raw["elegance-ops:database"] = JSON.stringify({ ...JSON.parse(raw["elegance-ops:database"]), postgresMajor: 17 });
      raw["elegance-ops:backups"] = JSON.stringify({ ...JSON.parse(raw["elegance-ops:backups"]), imagesKept: 3 });
    });
    expect(find(other, "docker-build:index:Image", "elegance-mobilite-backup").inputs.buildArgs.PG_MAJOR).toBe("17");
    expect(
      find(other, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "elegance-mobilite-backup-lifecycle").inputs.policy,
    ).toBe(keepLastImagesPolicy(3));
  });
});

describe("backup functions", () => {
  it("run the image's two handlers with Lambda's 15 minutes, the drill with 10 GB of /tmp", () => {
    const backup = fn("elegance-mobilite-backup");
    const drill = fn("elegance-mobilite-backup-drill");
    expect(backup).toMatchObject({
      packageType: "Image",
      imageConfig: { commands: ["backup/index.handler"] },
      timeout: 900,
    });
    // Overlap is prevented by the advisory lock; a reservation is opt-in (a new account has none to spare).
    expect(backup).not.toHaveProperty("reservedConcurrentExecutions");
    expect(drill).toMatchObject({
      packageType: "Image",
      imageConfig: { commands: ["backup-drill/index.handler"] },
      timeout: 900,
      ephemeralStorage: { size: 10240 },
    });
    expect(backup.imageUri).toBe(drill.imageUri);
    // Two vCPUs for the parallel gzip and checks; the image's own NODE_OPTIONS stay in force.
    expect(backup.memorySize).toBe(3584);
    expect(drill.memorySize).toBe(3584);
    expect(backup.environment.variables).not.toHaveProperty("NODE_OPTIONS");
    expect(backup.environment.variables).toMatchObject({
      BACKUPS_BUCKET: expect.stringMatching(/^elegance-mobilite-backups-/),
      TIMEZONE: "Europe/Paris",
      BACKUP_KEEP_YEARLY: "true",
    });
    expect(JSON.parse(backup.environment.variables.BACKUP_OBJECT_LOCK)).toEqual({ mode: "GOVERNANCE", days: 14 });
    expect(JSON.stringify(backup.environment)).not.toMatch(/postgres(ql)?:\/\//);
  });

  it("backup: writes under daily/ and monthly/ only, never reads other objects nor deletes, reads only its own secret", () => {
    const s = Object.fromEntries(policyOf("elegance-mobilite-backup-policy").map((x) => [x.Sid, x]));
    expect(s.WriteBackups.Action).toEqual([
      "s3:PutObject",
      "s3:PutObjectTagging",
      "s3:PutObjectRetention",
      "s3:AbortMultipartUpload",
    ]);
    expect(s.WriteBackups.Resource).toEqual([
      expect.stringMatching(/backups-\w+\/daily\/\*$/),
      expect.stringMatching(/backups-\w+\/monthly\/\*$/),
    ]);
    expect(s.CheckOwnUploads.Resource).toEqual(s.WriteBackups.Resource);
    expect(s.ListInterruptedUploads).toMatchObject({
      Action: "s3:ListBucketMultipartUploads",
      Resource: expect.stringMatching(BUCKET),
    });
    expect(JSON.stringify(s)).not.toMatch(/Delete|BypassGovernance/);
    expect(s.ReadOwnSecrets.Resource).toEqual([
      fn("elegance-mobilite-backup").environment.variables.BACKUP_DATABASE_URL_SECRET_ARN,
    ]);
    expect(s.ReadOwnSecrets.Resource[0]).toContain("secret:elegance-mobilite/backup-database-url");
  });

  it("drill: reads backups, writes its records, and nothing else", () => {
    const s = Object.fromEntries(policyOf("elegance-mobilite-backup-drill-policy").map((x) => [x.Sid, x]));
    expect(s.ListBackups).toMatchObject({
      Action: "s3:ListBucket",
      Resource: expect.stringMatching(BUCKET),
      Condition: { StringLike: { "s3:prefix": ["daily/*", "monthly/*"] } },
    });
    expect(s.ReadBackups.Action).toBe("s3:GetObject");
    expect(s.WriteDrillRecords.Resource).toMatch(/logs-\w+\/reports\/backups\/drills\/\*$/);
    expect(s.ReadOwnSecrets).toBeUndefined();
    // FailedRunsToQueue: Lambda sends a failed run to the drill's own queue with this role.
    expect(Object.keys(s).sort()).toEqual([
      "FailedRunsToQueue",
      "ListBackups",
      "ReadBackups",
      "UseStackKey",
      "WriteDrillRecords",
      "WriteOwnLogs",
    ]);
  });

  it("page at the guide's levels: a missed or failed backup at level 2, a drill that stopped at level 1", () => {
    expect(alarm("elegance-mobilite-backup-heartbeat")).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Invocations",
      dimensions: { FunctionName: "elegance-mobilite-backup" },
      period: 3600,
      evaluationPeriods: 26,
      alarmActions: [topicArn(2)],
    });
    expect(alarm("elegance-mobilite-backup-errors")).toMatchObject({
      alarmActions: [topicArn(2)],
      okActions: [topicArn(2)],
    });
    // A week is measured by the daily list (checklist-freshness dates the drill's records and fails): no alarm.
    expect(ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).not.toContain(
      "elegance-mobilite-backup-drill-heartbeat",
    );
    expect(alarm("elegance-mobilite-backup-drill-errors").alarmActions).toEqual([topicArn(1)]);
  });
});

describe("check-lists and backups", () => {
  it("the daily list lists and reads backups (the backups check); the weekly reads the drill's records", () => {
    const daily = Object.fromEntries(policyOf("elegance-mobilite-daily-checklist-policy").map((x) => [x.Sid, x]));
    // With the log drain of the prod stack file, the daily list also reads its deliveries.
    expect(daily.ListLogs.Condition.StringLike["s3:prefix"]).toEqual([
      "reports/checklists/*",
      "reports/backups/drills/*",
      "reports/weekly/*",
      "app/vercel/*",
      "access/vercel/*",
    ]);
    expect(daily.ReadBackups.Resource).toEqual([
      expect.stringMatching(/backups-\w+\/daily\/\*$/),
      expect.stringMatching(/backups-\w+\/monthly\/\*$/),
    ]);
    expect(JSON.parse(fn("elegance-mobilite-daily-checklist").environment.variables.BACKUP_THRESHOLDS)).toEqual({
      maxAgeHours: 26,
      minSizeRatio: 0.5,
      maxSizeRatio: 2,
      drillMaxAgeDays: 8,
    });
    const weekly = Object.fromEntries(policyOf("elegance-mobilite-weekly-checklist-policy").map((x) => [x.Sid, x]));
    expect(weekly.ReadLogs.Resource).toContainEqual(expect.stringMatching(/logs-\w+\/reports\/backups\/drills\/\*$/));
    expect(weekly.ReadBackups).toBeUndefined();
    expect(ofType(plan, "aws:lambda/function:Function").filter((f) => /backup/.test(f.name))).toHaveLength(2);
  });
});
