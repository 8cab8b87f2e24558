// Backups no admin can erase, and security logs nobody rewrites: the Storage component under
// mocks with the break-glass role, COMPLIANCE and the copy to a second account, and without.
import { find, FAKE_ACCOUNT, ofType, Plan, planProgram } from "../../infra/plan";
import { Storage, StorageArgs } from "../../infra/storage";
import { PROTECTED_ACTIONS } from "../../infra/storage/protection";

const BREAK_GLASS = `arn:aws:iam::${FAKE_ACCOUNT}:role/elegance-ops-break-glass`;
const COPY = {
  accountId: "210987654321",
  bucket: "em-backups-copy",
  kmsKeyArn: "arn:aws:kms:eu-west-3:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",
};

const baseArgs: StorageArgs = {
  logRetention: { appDays: 30, accessDays: 90, securityDays: 365, metricsDays: 731, reportsDays: 731 },
  backups: {
    objectLock: { mode: "GOVERNANCE", days: 14 },
    retention: { dailyDays: 35, monthlyDays: 365 },
    noncurrentVersionDays: 7,
  },
};

async function planStorage(backups: Partial<StorageArgs["backups"]>) {
  return planProgram(
    () => {
      const storage = new Storage("em", { ...baseArgs, backups: { ...baseArgs.backups, ...backups } }, {});
      return {
        backupsArn: storage.backups.bucket.arn,
        securityArn: storage.security.bucket.bucket.arn,
        securityBucket: storage.security.bucket.bucket.bucket,
        logsBucketId: storage.logs.bucket.id,
        keyArn: storage.key.arn,
        ...(storage.backupsCopy ? { copy: storage.backupsCopy.destinationPolicies } : {}),
      };
    },
    { "aws:region": "eu-west-3" },
  );
}

const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
const LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration";
const statements = (plan: Plan, name: string): any[] => JSON.parse(find(plan, POLICY, name).inputs.policy).Statement;

describe("with a break-glass role, COMPLIANCE and a copy", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStorage({
      objectLock: { mode: "COMPLIANCE", days: 14 },
      breakGlassRoleArn: BREAK_GLASS,
      copy: COPY,
    });
  });

  it.each(["em-backups-policy", "em-security-logs-policy"])(
    "%s denies erasing and unprotecting to all but the break-glass role",
    (name) => {
      const deny = statements(plan, name).find((s) => s.Sid === "OnlyBreakGlassMayEraseOrUnprotect");
      expect(deny).toMatchObject({
        Effect: "Deny",
        Principal: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": BREAK_GLASS } },
      });
      expect(deny.Action).toEqual(
        expect.arrayContaining([
          "s3:BypassGovernanceRetention",
          "s3:PutBucketObjectLockConfiguration",
          "s3:PutBucketPolicy",
          "s3:DeleteBucketPolicy",
          "s3:DeleteObjectVersion",
          "s3:PutLifecycleConfiguration",
        ]),
      );
      expect(deny.Action).toEqual([...PROTECTED_ACTIONS]);
      expect(deny.Resource).toEqual([expect.stringMatching(/^arn:aws:s3:::[^/]+$/), expect.stringMatching(/\/\*$/)]);
      // Lifecycle runs as S3 itself: nothing here denies it, and no statement allows anyone anything more.
      expect(
        statements(plan, name)
          .filter((s) => s.Effect === "Allow")
          .every((s) => "Service" in s.Principal),
      ).toBe(true);
    },
  );

  it("locks the backups in COMPLIANCE mode when configured", () => {
    expect(find(plan, LOCK, "em-backups-object-lock").inputs.rule.defaultRetention).toEqual({
      mode: "COMPLIANCE",
      days: 14,
    });
  });

  it("replicates every object to the second account, owner overridden, with its key, delete markers not replicated", async () => {
    const [replication] = ofType(plan, REPLICATION);
    expect(replication.name).toBe("em-backups-replication");
    expect(replication.inputs.rules).toEqual([
      {
        id: "copy-to-second-account",
        status: "Enabled",
        filter: {},
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
          bucket: "arn:aws:s3:::em-backups-copy",
          account: "210987654321",
          accessControlTranslation: { owner: "Destination" },
          encryptionConfiguration: { replicaKmsKeyId: COPY.kmsKeyArn },
        },
      },
    ]);
    expect(replication.inputs.role).toBe(`arn:aws:iam::${FAKE_ACCOUNT}:role/em-backups-replication`);
    const trust = JSON.parse(find(plan, "aws:iam/role:Role", "em-backups-replication").inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("gives the replication role what replication needs and no ReplicateDelete", () => {
    const policy = JSON.parse(
      find(plan, "aws:iam/rolePolicy:RolePolicy", "em-backups-replication").inputs.policy,
    ).Statement;
    const actions = policy.flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining([
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectRetention",
        "s3:ReplicateObject",
        "s3:ObjectOwnerOverrideToBucketOwner",
        "kms:Decrypt",
        "kms:Encrypt",
      ]),
    );
    expect(actions).not.toContain("s3:ReplicateDelete");
    const encrypt = policy.find((s: any) => s.Sid === "EncryptWithDestinationKey");
    expect(encrypt).toMatchObject({
      Resource: COPY.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-3.amazonaws.com" } },
    });
  });

  it("outputs the destination bucket policy and key statement the second account must apply", () => {
    const { bucketPolicy, keyPolicyStatement } = plan.outputs.copy;
    const roleArn = find(plan, REPLICATION, "em-backups-replication").inputs.role;
    const bucket = JSON.parse(bucketPolicy).Statement;
    expect(bucket.find((s: any) => s.Sid === "EleganceOpsReplicationWritesReplicas")).toMatchObject({
      Principal: { AWS: roleArn },
      Resource: "arn:aws:s3:::em-backups-copy/*",
      Action: expect.arrayContaining(["s3:ReplicateObject", "s3:ObjectOwnerOverrideToBucketOwner"]),
    });
    expect(JSON.parse(keyPolicyStatement)).toMatchObject({
      Principal: { AWS: roleArn },
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
    });
  });
});

// The prod stack file's case today: neither key set.
let plan: Plan;
beforeAll(async () => {
  plan = await planStorage({});
});

describe("without a break-glass role or a copy (GOVERNANCE)", () => {
  it("has no replication, and the policies deny insecure transport only", () => {
    expect(ofType(plan, REPLICATION)).toEqual([]);
    expect(ofType(plan, "aws:iam/role:Role").map((r) => r.name)).toEqual(["em-security-logs-trail-to-logs"]);
    for (const name of ["em-backups-policy", "em-security-logs-policy"]) {
      expect(
        statements(plan, name)
          .filter((s) => s.Effect === "Deny")
          .map((s) => s.Sid),
      ).toEqual(["DenyInsecureTransport", "DenyTlsOlderThan12"]);
    }
    expect(find(plan, LOCK, "em-backups-object-lock").inputs.rule.defaultRetention).toEqual({
      mode: "GOVERNANCE",
      days: 14,
    });
    expect(plan.outputs.copy).toBeUndefined();
  });
});

describe("the security-logs bucket and the trail", () => {
  it("is versioned, locked and kept one year, with access logs in the logs bucket", () => {
    expect(find(plan, "aws:s3/bucket:Bucket", "em-security-logs").inputs.objectLockEnabled).toBe(true);
    expect(
      find(plan, "aws:s3/bucketVersioning:BucketVersioning", "em-security-logs-versioning").inputs
        .versioningConfiguration,
    ).toEqual({ status: "Enabled" });
    expect(find(plan, LOCK, "em-security-logs-object-lock").inputs.rule.defaultRetention).toEqual({
      mode: "GOVERNANCE",
      days: 365,
    });
    const rules = find(
      plan,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "em-security-logs-lifecycle",
    ).inputs.rules;
    expect(rules[0]).toMatchObject({
      filter: {},
      expiration: { days: 365 },
      noncurrentVersionExpiration: { noncurrentDays: 1 },
    });
    const logging = find(plan, "aws:s3/bucketLogging:BucketLogging", "em-security-logs-access-logging").inputs;
    expect(logging).toMatchObject({
      targetBucket: plan.outputs.logsBucketId,
      targetPrefix: "access/s3/security-logs/",
    });
    const grant = statements(plan, "em-logs-policy").find((s) => s.Sid === "S3ServerAccessLogsWriteSecurityLogs");
    expect(grant).toMatchObject({
      Principal: { Service: "logging.s3.amazonaws.com" },
      Condition: { ArnLike: { "aws:SourceArn": plan.outputs.securityArn } },
    });
    expect(grant.Resource).toMatch(/\/access\/s3\/security-logs\/\*$/);
    for (const s of ["encryption", "public-access-block", "ownership"])
      expect(plan.resources.some((r) => r.name === `em-security-logs-${s}`)).toBe(true);
  });

  it("receives the trail, which also writes to a 1-year KMS-encrypted log group through its role", () => {
    const trail = find(plan, "aws:cloudtrail/trail:Trail", "em-trail").inputs;
    const group = find(plan, "aws:cloudwatch/logGroup:LogGroup", "em-security-logs-trail-logs").inputs;
    expect(group).toEqual({ name: "/aws/cloudtrail/em-security", retentionInDays: 365, kmsKeyId: plan.outputs.keyArn });
    const groupArn = `arn:aws:logs:eu-west-3:${FAKE_ACCOUNT}:log-group:/aws/cloudtrail/em-security`;
    expect(trail).toMatchObject({
      s3BucketName: plan.outputs.securityBucket,
      s3KeyPrefix: "security",
      cloudWatchLogsGroupArn: `${groupArn}:*`,
    });
    const role = find(plan, "aws:iam/role:Role", "em-security-logs-trail-to-logs").inputs;
    expect(trail.cloudWatchLogsRoleArn).toMatch(/:role\//);
    expect(JSON.parse(role.assumeRolePolicy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const write = JSON.parse(
      find(plan, "aws:iam/rolePolicy:RolePolicy", "em-security-logs-trail-to-logs").inputs.policy,
    ).Statement;
    expect(write).toEqual([
      expect.objectContaining({
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${groupArn}:log-stream:*`,
      }),
    ]);
    const cloudTrailWrite = statements(plan, "em-security-logs-policy").find((s) => s.Sid === "CloudTrailWrite");
    expect(cloudTrailWrite.Resource).toBe(`${plan.outputs.securityArn}/security/AWSLogs/${FAKE_ACCOUNT}/*`);
    expect(statements(plan, "em-logs-policy").some((s) => s.Sid === "CloudTrailWrite")).toBe(false);
  });
});
