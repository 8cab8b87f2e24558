import { find, FAKE_ACCOUNT, ofType, Plan, planProgram } from "../../infra/plan";
import { Storage, StorageArgs } from "../../infra/storage";
import { transitionsFor } from "../../infra/storage/lifecycle";

const args: StorageArgs = {
  logRetention: { appDays: 30, accessDays: 90, securityDays: 365, metricsDays: 731, reportsDays: 731 },
  backups: {
    objectLock: { mode: "GOVERNANCE", days: 35 },
    retention: { dailyDays: 35, monthlyDays: 365 },
    noncurrentVersionDays: 7,
  },
};

const BUCKET = "aws:s3/bucket:Bucket";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";

let plan: Plan;
let outputs: Record<string, any>;

beforeAll(async () => {
  plan = await planProgram(
    () => {
      const storage = new Storage("em", args, {});
      const logGroup = storage.logGroup("daily-checklist", "/aws/lambda/em-daily-checklist");
      return {
        keyArn: storage.key.arn,
        logsBucketId: storage.logs.bucket.id,
        logsBucket: storage.logs.bucket.bucket,
        securityBucket: storage.security.bucket.bucket.bucket,
        backupsBucketId: storage.backups.bucket.id,
        backupsArn: storage.backups.bucket.arn,
        logGroup: logGroup.name,
      };
    },
    { "aws:region": "eu-west-3" },
  );
  outputs = plan.outputs;
});

const rule = (lifecycle: string, id: RegExp) => {
  const found = find(plan, LIFECYCLE, lifecycle).inputs.rules.find((r: any) => id.test(r.id));
  expect(found).toBeDefined();
  return found;
};
const statements = (policyName: string): any[] => JSON.parse(find(plan, POLICY, policyName).inputs.policy).Statement;

describe("KMS key", () => {
  it("is customer-managed with yearly rotation and lets the writing services use it", () => {
    const key = find(plan, "aws:kms/key:Key", "em-key").inputs;
    expect(key.enableKeyRotation).toBe(true);
    expect(key.rotationPeriodInDays).toBe(365);
    const sids = JSON.parse(key.policy).Statement.map((s: any) => [s.Sid, s.Principal]);
    expect(sids).toEqual(
      expect.arrayContaining([
        ["AccountAdministersKeyThroughIam", { AWS: `arn:aws:iam::${FAKE_ACCOUNT}:root` }],
        ["CloudTrailEncryptsLogs", { Service: "cloudtrail.amazonaws.com" }],
        ["CloudWatchLogsEncryptsLogGroups", { Service: "logs.eu-west-3.amazonaws.com" }],
        ["S3LogDeliveryEncryptsAccessLogs", { Service: "logging.s3.amazonaws.com" }],
      ]),
    );
  });

  it("encrypts both buckets by default with SSE-KMS and a bucket key", () => {
    for (const bucket of ["em-logs", "em-backups"]) {
      const enc = find(
        plan,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        `${bucket}-encryption`,
      );
      expect(enc.inputs.rules).toEqual([
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: outputs.keyArn },
          bucketKeyEnabled: true,
        },
      ]);
    }
  });
});

describe("logs bucket: the guide's retention table", () => {
  it.each([
    ["app/", 30, []],
    ["access/", 90, [{ days: 30, storageClass: "STANDARD_IA" }]],
    [
      "security/",
      365,
      [
        { days: 30, storageClass: "STANDARD_IA" },
        { days: 90, storageClass: "GLACIER_IR" },
      ],
    ],
    [
      "metrics/",
      731,
      [
        { days: 30, storageClass: "STANDARD_IA" },
        { days: 90, storageClass: "GLACIER_IR" },
      ],
    ],
    [
      "reports/",
      731,
      [
        { days: 30, storageClass: "STANDARD_IA" },
        { days: 90, storageClass: "GLACIER_IR" },
      ],
    ],
  ])("%s expires after %i days with cost-saving transitions", (prefix, days, transitions) => {
    const rules = find(plan, LIFECYCLE, "em-logs-lifecycle").inputs.rules.filter(
      (r: any) => r.filter?.prefix === prefix,
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ status: "Enabled", expiration: { days } });
    expect(rules[0].transitions ?? []).toEqual(transitions);
  });

  it("aborts incomplete multipart uploads after one day and skips tiny objects in transitions", () => {
    const lifecycle = find(plan, LIFECYCLE, "em-logs-lifecycle").inputs;
    expect(lifecycle.bucket).toBe(outputs.logsBucketId);
    expect(lifecycle.transitionDefaultMinimumObjectSize).toBe("all_storage_classes_128K");
    expect(rule("em-logs-lifecycle", /abort/)).toMatchObject({
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    });
  });
});

describe("backups bucket", () => {
  it("is versioned with Object Lock from config", () => {
    const bucket = find(plan, BUCKET, "em-backups").inputs;
    expect(bucket.objectLockEnabled).toBe(true);
    expect(
      find(plan, "aws:s3/bucketVersioning:BucketVersioning", "em-backups-versioning").inputs.versioningConfiguration,
    ).toEqual({ status: "Enabled" });
    const lock = find(
      plan,
      "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
      "em-backups-object-lock",
    ).inputs;
    expect(lock).toMatchObject({
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: "GOVERNANCE", days: 35 } },
    });
    expect(find(plan, BUCKET, "em-logs").inputs.objectLockEnabled).toBe(false);
  });

  it("rotates grandfather-father-son by tag and removes noncurrent versions", () => {
    expect(rule("em-backups-lifecycle", /daily/)).toMatchObject({
      filter: { tag: { key: "retention", value: "daily" } },
      expiration: { days: 35 },
    });
    expect(rule("em-backups-lifecycle", /daily/).transitions ?? []).toEqual([]);
    expect(rule("em-backups-lifecycle", /monthly/)).toMatchObject({
      filter: { tag: { key: "retention", value: "monthly" } },
      expiration: { days: 365 },
      transitions: [
        { days: 30, storageClass: "STANDARD_IA" },
        { days: 90, storageClass: "GLACIER_IR" },
      ],
    });
    expect(rule("em-backups-lifecycle", /noncurrent/)).toMatchObject({
      noncurrentVersionExpiration: { noncurrentDays: 7 },
      expiration: { expiredObjectDeleteMarker: true },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    });
    const ids = find(plan, LIFECYCLE, "em-backups-lifecycle").inputs.rules.map((r: any) => r.id);
    expect(ids.some((id: string) => /yearly/.test(id))).toBe(false);
  });

  it("delivers its server access logs to access/ of the logs bucket", () => {
    const logging = find(plan, "aws:s3/bucketLogging:BucketLogging", "em-backups-access-logging").inputs;
    expect(logging).toMatchObject({
      bucket: outputs.backupsBucketId,
      targetBucket: outputs.logsBucketId,
      targetPrefix: "access/s3/backups/",
    });
    const grant = statements("em-logs-policy").find((s) => s.Sid === "S3ServerAccessLogsWrite");
    expect(grant.Principal).toEqual({ Service: "logging.s3.amazonaws.com" });
    expect(grant.Resource).toMatch(/\/access\/s3\/backups\/\*$/);
    expect(grant.Condition.ArnLike["aws:SourceArn"]).toBe(outputs.backupsArn);
  });
});

describe("both buckets", () => {
  it.each(["em-logs", "em-backups"])("%s blocks all public access and disables ACLs", (bucket) => {
    expect(
      find(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${bucket}-public-access-block`).inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      find(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${bucket}-ownership`).inputs.rule,
    ).toEqual({ objectOwnership: "BucketOwnerEnforced" });
  });

  it.each(["em-logs-policy", "em-backups-policy"])("%s denies plain HTTP and TLS older than 1.2", (policy) => {
    const deny = statements(policy).filter((s) => s.Effect === "Deny");
    expect(deny).toEqual([
      expect.objectContaining({
        Principal: "*",
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
      expect.objectContaining({
        Principal: "*",
        Action: "s3:*",
        Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
      }),
    ]);
    for (const s of deny)
      expect(s.Resource).toEqual([expect.stringMatching(/^arn:aws:s3:::[^/]+$/), expect.stringMatching(/\/\*$/)]);
  });
});

describe("CloudTrail", () => {
  it("writes a multi-region, validated, KMS-encrypted trail under security/ of the security-logs bucket", () => {
    const trail = find(plan, "aws:cloudtrail/trail:Trail", "em-trail").inputs;
    expect(trail).toMatchObject({
      s3BucketName: outputs.securityBucket,
      s3KeyPrefix: "security",
      kmsKeyId: outputs.keyArn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
    });
    const selectors = trail.advancedEventSelectors.map((s: any) => s.fieldSelectors);
    expect(selectors[1]).toContainEqual({ field: "resources.ARN", startsWiths: [`${outputs.backupsArn}/`] });
  });

  it("is allowed by the security-logs bucket policy only for this account's prefix and this trail", () => {
    const write = statements("em-security-logs-policy").find((s) => s.Sid === "CloudTrailWrite");
    expect(write.Resource).toMatch(new RegExp(`/security/AWSLogs/${FAKE_ACCOUNT}/\\*$`));
    expect(write.Condition.StringEquals["aws:SourceArn"]).toBe(
      `arn:aws:cloudtrail:eu-west-3:${FAKE_ACCOUNT}:trail/em-security`,
    );
    expect(find(plan, "aws:cloudtrail/trail:Trail", "em-trail").inputs.name).toBe("em-security");
  });
});

describe("log groups for Lambdas", () => {
  it("keep the application-log retention (30 days) and use the stack's key", () => {
    const group = find(plan, "aws:cloudwatch/logGroup:LogGroup", "daily-checklist-logs").inputs;
    expect(group).toEqual({ name: "/aws/lambda/em-daily-checklist", retentionInDays: 30, kmsKeyId: outputs.keyArn });
  });

  it("are the only log groups created besides the trail's", () => {
    const names = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").map((g) => g.name);
    expect(names.sort()).toEqual(["daily-checklist-logs", "em-security-logs-trail-logs"]);
  });
});

describe("transitionsFor", () => {
  it.each([
    [30, []],
    [59, []],
    [60, ["STANDARD_IA"]],
    [179, ["STANDARD_IA"]],
    [180, ["STANDARD_IA", "GLACIER_IR"]],
  ])("an object kept %i days moves to %j", (days, classes) => {
    expect(transitionsFor(days).map((t) => t.storageClass)).toEqual(classes);
  });
});
