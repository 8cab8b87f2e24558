// The backups' protection keys: the break-glass role and the copy to a second account,
// accepted in their documented form and refused with a message naming the key and the fix.
import { readFileSync } from "fs";
import { parseStackConfig } from "../../infra/config";
import { PROD_STACK_FILE, planStack, problemsOf, prodRawConfig } from "../support/pulumi";

const ROLE = "arn:aws:iam::123456789012:role/elegance-ops-break-glass";
const COPY = {
  accountId: "210987654321",
  bucket: "elegance-mobilite-backups-copy",
  kmsKeyArn: "arn:aws:kms:eu-west-3:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",
};

/** The prod config with `backups` extended by `extra`. */
function withBackups(extra: Record<string, unknown>, region = "eu-west-3"): Record<string, string> {
  const raw = prodRawConfig();
  raw["elegance-ops:backups"] = JSON.stringify({ ...JSON.parse(raw["elegance-ops:backups"]), ...extra });
  raw["aws:region"] = region;
  return raw;
}

describe("backups.breakGlassRoleArn and backups.copy", () => {
  it("are optional, and parse when well formed", () => {
    expect(parseStackConfig(prodRawConfig()).backups).not.toHaveProperty("copy");
    const backups = parseStackConfig(withBackups({ breakGlassRoleArn: ROLE, copy: COPY })).backups;
    expect(backups.breakGlassRoleArn).toBe(ROLE);
    expect(backups.copy).toEqual(COPY);
  });

  it.each([
    [
      { breakGlassRoleArn: "elegance-ops-break-glass" },
      /^elegance-ops:backups\.breakGlassRoleArn: "elegance-ops-break-glass" is not an IAM role ARN; expected arn:aws:iam::<12-digit account id>:role\/<name>/,
    ],
    [{ breakGlassRoleArn: "arn:aws:iam::123456789012:user/admin" }, /breakGlassRoleArn: .* is not an IAM role ARN/],
    [
      { copy: { ...COPY, accountId: "21098765432" } },
      /^elegance-ops:backups\.copy\.accountId: "21098765432" is not an AWS account id; expected the destination account's 12 digits, quoted in YAML/,
    ],
    [
      { copy: { ...COPY, accountId: 210987654321 } },
      /^elegance-ops:backups\.copy\.accountId: 210987654321 is a number; expected the destination AWS account id, 12 digits in quotes/,
    ],
    [
      { copy: { ...COPY, bucket: "Backups_Copy" } },
      /^elegance-ops:backups\.copy\.bucket: "Backups_Copy" is not valid; expected the destination bucket's name/,
    ],
    [
      { copy: { ...COPY, kmsKeyArn: "alias/backups" } },
      /^elegance-ops:backups\.copy\.kmsKeyArn: "alias\/backups" is not a KMS key ARN; .*an alias won't do/,
    ],
    [
      { copy: { ...COPY, kmsKeyArn: COPY.kmsKeyArn.replace("210987654321", "123456789012") } },
      /copy\.kmsKeyArn: .* belongs to account 123456789012, not backups\.copy\.accountId \(210987654321\)/,
    ],
    [
      { copy: { ...COPY, kmsKeyArn: COPY.kmsKeyArn.replace("eu-west-3", "eu-west-1") } },
      /^elegance-ops:backups\.copy\.kmsKeyArn: .* is in eu-west-1, not the stack's region eu-west-3; the copy must stay in eu-west-3/,
    ],
    [
      { copy: { accountId: COPY.accountId, kmsKeyArn: COPY.kmsKeyArn } },
      /^elegance-ops:backups\.copy\.bucket is missing: set it with {2}pulumi config set --path 'backups\.copy\.bucket' 'elegance-mobilite-backups-copy'/,
    ],
    [
      { copy: { ...COPY, region: "eu-west-3" } },
      /^elegance-ops:backups\.copy\.region: unknown key; known keys are accountId, bucket, kmsKeyArn/,
    ],
  ])("%j is refused with one message naming the key", (extra, message) => {
    const problems = problemsOf(withBackups(extra));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});

describe("the prod stack file", () => {
  const yaml = readFileSync(PROD_STACK_FILE, "utf8");

  it("documents both keys with commented examples that parse", () => {
    const role = /^\s*#\s*breakGlassRoleArn: (\S+)/m.exec(yaml);
    const account = /^\s*#\s*accountId: "(\d+)"/m.exec(yaml);
    const bucket = /^\s*#\s*bucket: (\S+)/m.exec(yaml);
    const key = /^\s*#\s*kmsKeyArn: (\S+)/m.exec(yaml);
    expect([role, account, bucket, key].every(Boolean)).toBe(true);
    const parsed = parseStackConfig(
      withBackups({
        breakGlassRoleArn: role![1],
        copy: { accountId: account![1], bucket: bucket![1], kmsKeyArn: key![1] },
      }),
    );
    expect(parsed.backups.copy?.accountId).toBe(account![1]);
  });
});

describe("the whole stack with a copy configured", () => {
  it("replicates the backups bucket and outputs what the destination account applies", async () => {
    const plan = await planStack((raw) => Object.assign(raw, withBackups({ breakGlassRoleArn: ROLE, copy: COPY })));
    const replication = plan.resources.filter(
      (r) => r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    );
    expect(replication.map((r) => r.name)).toEqual(["elegance-mobilite-backups-replication"]);
    expect(replication[0].inputs.rules[0].destination).toMatchObject({
      account: COPY.accountId,
      bucket: `arn:aws:s3:::${COPY.bucket}`,
    });
    const policies = plan.outputs.backupsCopyDestinationPolicies;
    expect(JSON.parse(policies.bucketPolicy).Statement.map((s: any) => s.Sid)).toEqual([
      "EleganceOpsReplicationChecksBucket",
      "EleganceOpsReplicationWritesReplicas",
      "DenyInsecureTransport",
    ]);
    expect(JSON.parse(policies.keyPolicyStatement).Sid).toBe("EleganceOpsReplicationEncryptsReplicas");
  }, 120_000);
});
